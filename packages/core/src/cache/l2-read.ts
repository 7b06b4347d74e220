import type { EntryMeta } from '../contracts/codec'
import type { L1Entry } from '../contracts/l1'
import type { Store } from '../contracts/store'
import type { CacheParts } from './cache-parts'
import { frozenOrFresh, readL1Value } from './entry'
import type { L2Gateway } from './l2-gateway'
import type { PendingWrite } from './pending-writes'
import { writeEpoch } from './write-log'
import type { WritePath } from './write-path'

const storeGet = (store: Store, key: string): Promise<Uint8Array | undefined> => store.get(key)

/** A decoded L2 entry; `payload` is set when the codec kept the serialized bytes. */
export interface Found {
  value: unknown
  meta: EntryMeta
  payload?: Uint8Array
}

/** The L2 read path: read, decode, count, backfill L1. Corrupt entries are deleted and read as misses. */
export class L2Reader {
  readonly #parts: CacheParts
  readonly #gateway: L2Gateway
  readonly #writes: WritePath

  constructor(parts: CacheParts, gateway: L2Gateway, writes: WritePath) {
    this.#parts = parts
    this.#gateway = gateway
    this.#writes = writes
  }

  /** Reads L2, decodes, backfills L1 with the remaining TTL; `undefined` when absent or unavailable. */
  read(fullKey: string, key: string): Promise<Found | undefined> {
    return this.#read(fullKey, key, false) as Promise<Found | undefined>
  }

  /**
   * `read` for `get`: the value of a fresh entry, else `undefined` (counted as a miss). Its own entry
   * point, so a `get` that misses L1 runs one async frame for the whole L2 read, not two.
   */
  readValue(fullKey: string, key: string): Promise<unknown> {
    return this.#read(fullKey, key, true)
  }

  // async/await on purpose: an await costs one microtask, while a `.then` callback that returns a
  // promise (the decode) costs three. This runs for every L2 read.
  async #read(fullKey: string, key: string, valueOnly: boolean): Promise<unknown> {
    const l2 = this.#parts.l2
    let found: Found | undefined
    let now: number | undefined
    if (l2) {
      const since = writeEpoch()
      // The gateway's call inlined: one frame for the whole read, no closure per call.
      let bytes: Uint8Array | undefined
      try {
        bytes = await l2.call('get', storeGet, fullKey)
        this.#gateway.answered()
      } catch (error) {
        this.#parts.emitError(error, 'l2', 'get', key)
      }
      if (bytes || this.#parts.pending.size > 0) {
        const opened = this.openLatest(fullKey, bytes, key)
        const decoded = opened instanceof Promise ? await opened : opened
        // One clock reading decides freshness for both the counters and `get`.
        now = this.#parts.now()
        found = this.#acceptFound(key, decoded, now, since)
      } else this.#l2Miss(key, undefined)
    }
    if (!valueOnly) return found
    if (found && found.meta.expiresAt > (now ?? this.#parts.now())) return found.value
    this.#parts.counters.misses++
    return undefined
  }

  /**
   * As `read`, for bytes already fetched (by a batch `getMany` sent at write epoch `since`); a promise only
   * when decoding is async, so a batch of 100 unencrypted entries needs no promise, frame and microtask per
   * entry. Without `since` nothing tells a write came after the read, and L1 is backfilled as before.
   */
  accept(
    fullKey: string,
    bytes: Uint8Array | undefined,
    key: string,
    since = Number.POSITIVE_INFINITY,
  ): Found | undefined | Promise<Found | undefined> {
    const opened = this.openLatest(fullKey, bytes, key)
    return opened instanceof Promise
      ? opened.then((found) => this.#acceptFound(key, found, this.#parts.now(), since))
      : this.#acceptFound(key, opened, this.#parts.now(), since)
  }

  /**
   * Counts a decoded L2 entry as a hit or miss and backfills L1 with a fresh one, unless the key was
   * written after the read was sent (write epoch `since`): L1 then keeps what that write left.
   */
  #acceptFound(key: string, found: Found | undefined, now: number, since: number): Found | undefined {
    if (!found || !(found.meta.expiresAt > now)) return this.#l2Miss(key, found)
    this.#parts.counters.l2Hits++
    if (this.#parts.events.has('hit')) this.#parts.events.emit('hit', { key, tier: 'l2' })
    if (!this.#parts.l1) return found
    // Read through an older serializer (no payload of the current one): not kept in L1, since re-encoding
    // could change it (msgpack's Date would become JSON's string) where L2 reads keep it.
    const payload = found.payload
    if (!payload) {
      this.#parts.l1.delete(key)
      return found
    }
    const entry = this.#writes.log.writtenSince(key, since, found.meta.tags)
      ? undefined
      : this.#writes.setL1(key, found.value, payload, found.meta)
    // Not backfilled (refused by admission, or older than a write): frozen all the same, as values read
    // with an L1 are, and as callers joined on this read share it.
    if (!entry) {
      const value = frozenOrFresh(found.value, payload, this.#parts.codec.serializer)
      return value === found.value && payload === found.payload ? found : { value, meta: found.meta, payload }
    }
    // A frozen entry holds `found.value` itself (frozen in place), so the first reader cannot mutate the
    // cache. An entry kept as bytes gets a private decode, as every later hit does, never the value
    // freezing may have half-frozen. No second L1 lookup either way.
    return entry.payload
      ? { value: this.readL1Value(entry), meta: found.meta, payload: entry.payload }
      : found
  }

  #l2Miss(key: string, found: Found | undefined): Found | undefined {
    this.#parts.counters.l2Misses++
    if (this.#parts.events.has('miss')) this.#parts.events.emit('miss', { key, tier: 'l2' })
    return found
  }

  /**
   * L2's answer for `fullKey` (`bytes`; `undefined` when absent or unreachable) decoded, as it will be once
   * the writes pending since an outage reach L2. Until the replay, L2 holds what such a write replaced:
   * the pending write is read instead (nothing for a delete), unless L2's entry was written after it, by
   * another instance (the replay's rule: newest wins).
   */
  openLatest(
    fullKey: string,
    bytes: Uint8Array | undefined,
    key: string,
  ): Found | undefined | Promise<Found | undefined> {
    const write = this.#parts.pending.size > 0 ? this.#parts.pending.lookup(fullKey) : undefined
    if (write) return this.#openPending(fullKey, bytes, key, write)
    return bytes ? this.open(fullKey, bytes, key) : undefined
  }

  async #openPending(
    fullKey: string,
    bytes: Uint8Array | undefined,
    key: string,
    write: PendingWrite,
  ): Promise<Found | undefined> {
    const found = bytes ? await this.open(fullKey, bytes, key) : undefined
    if (found && found.meta.createdAt > write.at) return found
    return write.value ? this.open(fullKey, write.value, key) : undefined
  }

  /**
   * Decodes an envelope, without a promise when no step is asynchronous (`Codec.openSync`); a corrupt one
   * is deleted from L2, reported, and read as `undefined`. An entry older than a `clear()` still pending
   * (L2 was down) reads as `undefined` too.
   */
  open(fullKey: string, bytes: Uint8Array, key: string): Found | undefined | Promise<Found | undefined> {
    const { codec, pending } = this.#parts
    try {
      const now = codec.openSync?.(bytes, fullKey)
      if (now !== undefined) return pending.size > 0 ? this.#notCleared(now) : now
      const opened = codec.open(bytes, fullKey).catch((error: unknown) => this.#corrupt(error, fullKey, key))
      return pending.size > 0 ? opened.then((found) => this.#notCleared(found)) : opened
    } catch (error) {
      return this.#corrupt(error, fullKey, key)
    }
  }

  /** `found`, unless a pending `clear()` (stored under the namespace prefix) was made after it was written. */
  #notCleared(found: Found | undefined): Found | undefined {
    const clear = this.#parts.pending.lookup(this.#parts.prefix)
    return found && clear && found.meta.createdAt <= clear.at ? undefined : found
  }

  #corrupt(error: unknown, fullKey: string, key: string): undefined {
    this.#parts.emitError(error, 'l2', 'decode', key)
    void this.#gateway.call('delete', (s) => s.delete(fullKey), key)
    return undefined
  }

  /** The value of an L1 entry: a private decode when it is kept as bytes, else the (frozen) value. */
  readL1Value(entry: L1Entry): unknown {
    return readL1Value(entry, this.#parts.codec.serializer)
  }
}
