import { ownBytes } from '../bytes'
import type { EntryMeta } from '../contracts/codec'
import type { L1Entry } from '../contracts/l1'
import type { Store, StoreEntry } from '../contracts/store'
import type { BusLink } from './bus-link'
import type { CacheParts } from './cache-parts'
import {
  buildL1Entry,
  DECODE,
  forSharing,
  l1EntrySize,
  loadedValue,
  type PreparedWrite,
  prepareWrite,
  remainingTtlMs,
} from './entry'
import type { L2Gateway } from './l2-gateway'
import type { SetOptions } from './options'
import type { Unshared } from './single-flight'
import { WriteLog } from './write-log'

const isPromise = (value: unknown): value is Promise<unknown> => value instanceof Promise
/** One round trip for the sealed entries; shared, so a write allocates no closure for it. */
const writeEntries = (store: Store, entries: StoreEntry[]): Promise<void> =>
  entries.length === 1
    ? store.set(entries[0]!.key, entries[0]!.value, entries[0]!.ttlMs)
    : store.setMany(entries)

/** A sealed entry on its way to L2; a class so that V8 never pretenures it (see `Meta`). */
class Sealed implements StoreEntry {
  constructor(
    readonly key: string,
    readonly value: Uint8Array,
    readonly ttlMs: number | undefined,
  ) {}
}

/** Writes and deletes across the tiers: L2 first (failures kept as pending writes), then L1, then the bus. */
export class WritePath {
  /**
   * Every write, local or remote, so an L2 read or a load that started before one does not store its
   * older result: each write is logged as it starts and again right before it changes L1.
   */
  readonly log = new WriteLog()
  readonly #parts: CacheParts
  readonly #gateway: L2Gateway
  readonly #bus: BusLink

  constructor(parts: CacheParts, gateway: L2Gateway, bus: BusLink) {
    this.#parts = parts
    this.#gateway = gateway
    this.#bus = bus
    bus.logTo(this.log)
    parts.pending.onClear = () => this.log.touchAll()
  }

  /**
   * Validates TTL and tags and serializes `value`; throws a `ValidationError` before anything is written.
   * `loaded`: the value came from a loader, whose callers get a decoded copy (`PreparedWrite.decoded`);
   * with an L1, every write makes one, as the L1 entry holds a decoded value.
   */
  prepare(key: string, value: unknown, options: SetOptions, loaded = false): PreparedWrite {
    return prepareWrite(key, this.#parts.prefix + key, value, options, {
      serializer: this.#parts.codec.serializer,
      settings: this.#parts.options,
      now: this.#parts.now(),
      copy: loaded || this.#parts.l1 !== undefined,
    })
  }

  /**
   * Writes L2 (one round trip for many) then L1, and tells other instances to drop their copy. `afterL2`
   * runs between the two (a lock holder releases there, so waiters find the value). A loaded write
   * (`since` set) whose key was written after its load began is skipped, and any write overtaken by a
   * newer one while L2 answered drops the key from L1. Resolves to the L1 entry built for each item
   * (`undefined` where none was).
   */
  store(items: PreparedWrite[], afterL2?: () => void): Promise<(L1Entry | undefined)[]> {
    return this.#store(items, afterL2, true) as Promise<(L1Entry | undefined)[]>
  }

  /** `store` for callers that need nothing back (`set`, `setMany`): resolves without a link to drop the entries. */
  write(items: PreparedWrite[]): Promise<void> {
    return this.#store(items, undefined, false) as Promise<undefined>
  }

  #store(
    items: PreparedWrite[],
    afterL2: (() => void) | undefined,
    keep: boolean,
  ): Promise<(L1Entry | undefined)[] | undefined> {
    try {
      const writes = this.#current(items)
      if (!this.#parts.l2 || writes.length === 0)
        return Promise.resolve(this.#finish(items, writes, undefined, afterL2, keep))
      const started = writes.map((item) => this.log.touch(item.key))
      const sealing = this.#sealAll(writes)
      if (sealing instanceof Promise)
        return sealing.then((entries) => this.#storeL2(items, writes, entries, started, afterL2, keep))
      return this.#storeL2(items, writes, sealing, started, afterL2, keep)
    } catch (error) {
      return Promise.reject(error)
    }
  }

  /**
   * Writes the sealed entries to L2, then finishes the write in one continuation. Every promise link a
   * reply passes through is a microtask turn in which other callers' continuations run first; in W2 (50
   * callers) each link added about 0.2 ms to a write's median latency. So no async frames here: the
   * guard's promise gets one `then`, which does what `L2Gateway.call` would and the rest of the write.
   */
  #storeL2(
    items: PreparedWrite[],
    writes: PreparedWrite[],
    entries: StoreEntry[],
    started: number[],
    afterL2: (() => void) | undefined,
    keep: boolean,
  ): Promise<(L1Entry | undefined)[] | undefined> {
    const parts = this.#parts
    for (const e of entries) parts.pending.superseded(e.key)
    return parts.l2!.call('set', writeEntries, entries).then(
      () => {
        this.#gateway.answered()
        if (parts.events.has('set'))
          for (const item of writes) parts.events.emit('set', { key: item.key, tier: 'l2' })
        return this.#finish(items, writes, started, afterL2, keep)
      },
      (error: unknown) => {
        parts.emitError(error, 'l2', 'set')
        parts.counters.failedL2Writes += entries.length
        writes.forEach((item, i) => {
          // Kept until L2 answers again: an envelope sealed in a shared block must not pin that block.
          parts.pending.set(item.fullKey, {
            value: ownBytes(entries[i]!.value),
            staleUntil: item.meta.staleUntil,
            at: item.meta.createdAt,
          })
        })
        this.#gateway.scheduleReplay()
        return this.#finish(items, writes, started, afterL2, keep)
      },
    )
  }

  /** After L2: `afterL2`, then L1 for each write (or not, if overtaken), then the bus; the L1 entries if `keep`. */
  #finish(
    items: PreparedWrite[],
    writes: PreparedWrite[],
    started: number[] | undefined,
    afterL2: (() => void) | undefined,
    keep: boolean,
  ): (L1Entry | undefined)[] | undefined {
    afterL2?.()
    const entries = writes.map((item, i) => {
      if (!started || !this.log.writtenSince(item.key, started[i]!, item.meta.tags))
        return this.#storeL1(item)
      // Overtaken by a newer write during the round trip: which one L2 ran last is unknown (replies can
      // come back in another order), so L1 keeps neither and the next read asks L2.
      this.#parts.counters.sets++
      this.#parts.l1?.delete(item.key)
      return undefined
    })
    if (this.#parts.bus && writes.length > 0)
      this.#bus.publish({ kind: 'keys', origin: this.#parts.id, keys: writes.map((i) => i.fullKey) })
    if (!keep) return undefined
    if (writes === items) return entries
    let w = 0
    return items.map((item) => (writes[w] === item ? entries[w++] : undefined))
  }

  /** `items` without the loaded writes whose key was written after their load began (the same array if none). */
  #current(items: PreparedWrite[]): PreparedWrite[] {
    let kept: PreparedWrite[] | undefined
    for (let i = 0; i < items.length; i++) {
      const item = items[i]!
      if (item.since !== undefined && this.log.writtenSince(item.key, item.since, item.meta.tags))
        kept ??= items.slice(0, i)
      else kept?.push(item)
    }
    return kept ?? items
  }

  /**
   * `store` for the one write of a load, resolving to the value its callers get (see `loadedValue`),
   * wrapped for sharing (see `forSharing`) when it is not frozen.
   */
  async storeAndRead(item: PreparedWrite, afterL2?: () => void): Promise<unknown | Unshared<unknown>> {
    // `Array.of`, not a literal, which V8 may pretenure (see `Meta` in codec/entry-meta.ts).
    const [entry] = await this.store(Array.of(item), afterL2)
    const { serializer } = this.#parts.codec
    return forSharing(
      loadedValue(entry, item, serializer, this.#parts.l1 !== undefined),
      item.payload,
      serializer,
    )
  }

  #storeL1(item: PreparedWrite): L1Entry | undefined {
    this.#parts.counters.sets++
    this.log.touch(item.key)
    const value = item.decoded === undefined ? DECODE : item.decoded
    const entry = this.#parts.l1 ? this.setL1(item.key, value, item.payload, item.meta) : undefined
    if (this.#parts.events.has('set')) this.#parts.events.emit('set', { key: item.key, tier: 'l1' })
    return entry
  }

  /** Seals every item; a promise only when some need the async path (encryption), so no Promise.all per batch. */
  #sealAll(items: PreparedWrite[]): StoreEntry[] | Promise<StoreEntry[]> {
    const sealed = items.map((item) => this.#sealSync(item) ?? this.#seal(item))
    return sealed.some(isPromise) ? Promise.all(sealed) : (sealed as StoreEntry[])
  }

  /** The store entry for `item` when the codec seals synchronously (no encryption), else `undefined`. */
  #sealSync(item: PreparedWrite): StoreEntry | undefined {
    const value = this.#parts.codec.sealSync?.(item.payload, item.meta, item.fullKey)
    return value === undefined ? undefined : this.#storeEntry(item, value)
  }

  async #seal(item: PreparedWrite): Promise<StoreEntry> {
    return this.#storeEntry(item, await this.#parts.codec.seal(item.payload, item.meta, item.fullKey))
  }

  #storeEntry(item: PreparedWrite, value: Uint8Array): StoreEntry {
    // L2 TTL covers the grace window, so fail-safe can still find the entry after expiry.
    return new Sealed(item.fullKey, value, remainingTtlMs(item.meta.staleUntil, this.#parts.now()))
  }

  /**
   * Backfills L1 with `value` (or, given {@link DECODE}, a decode of `payload`); returns the entry built,
   * or `undefined` when it is already stale or the tier's admission refuses it (nothing stored). A tier
   * with `admits` is asked first, so a refused entry costs no decode, no freeze and no entry.
   */
  setL1(key: string, value: unknown, payload: Uint8Array, meta: EntryMeta): L1Entry | undefined {
    const l1 = this.#parts.l1
    if (!l1) return undefined
    const now = this.#parts.now()
    if (meta.staleUntil <= now) return undefined
    const size = l1EntrySize(key, payload)
    if (l1.admits !== undefined && !l1.admits(key, size)) return undefined
    const decoded = value === DECODE ? this.#parts.codec.serializer.deserialize(payload) : value
    const entry = buildL1Entry(key, decoded, payload, meta, size)
    l1.set(key, entry, remainingTtlMs(meta.staleUntil, now))
    return entry
  }

  /**
   * Removes `keys` from every tier (a failed L2 delete is kept as pending); resolves to how many fresh
   * entries existed. L1 judges the keys it holds (its copy expires with the L2 entry it was written with);
   * for the others the L2 answer is taken, which cannot tell a fresh entry from one kept for grace.
   */
  async remove(fullKeys: string[], keys: readonly string[]): Promise<number> {
    const { l1, l2, pending } = this.#parts
    const now = this.#parts.now()
    let removed = 0
    // Keys L1 holds (it judges them) and the others (L2 does), sent apart so L2's count covers only the
    // latter; a repeated key is counted once.
    let judged: string[] | undefined
    let unjudged: string[] | undefined
    const seen = keys.length > 1 ? new Set<string>() : undefined
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i]!
      if (seen) {
        if (seen.has(key)) continue
        seen.add(key)
      }
      this.log.touch(key)
      const entry = l1?.get(key)
      if (entry !== undefined) {
        // An expired L1 copy is already logically gone: it does not count as removed.
        if (l1!.delete(key) && entry.expiresAt > now) removed++
        ;(judged ??= []).push(fullKeys[i]!)
      } else (unjudged ??= []).push(fullKeys[i]!)
    }
    if (l2) {
      for (const k of fullKeys) pending.superseded(k)
      const [, counted] = await Promise.all([
        judged ? this.#deleteL2(judged, now) : undefined,
        unjudged ? this.#deleteL2(unjudged, now) : undefined,
      ])
      removed += counted ?? 0
      // A read answered by L2 before the delete may have refilled L1 meanwhile.
      if (l1) {
        for (const key of seen ?? keys) {
          this.log.touch(key)
          l1.delete(key)
        }
      }
    }
    this.#parts.counters.deletes += fullKeys.length
    for (const key of keys) this.#parts.events.emit('delete', { key, tier: l2 ? 'l2' : 'l1' })
    this.#bus.publish({ kind: 'keys', origin: this.#parts.id, keys: fullKeys })
    return removed
  }

  /** Deletes `fullKeys` from L2; resolves to how many existed, or `undefined` when L2 failed (kept as pending). */
  async #deleteL2(fullKeys: string[], at: number): Promise<number | undefined> {
    const count = await this.#gateway.call('delete', (s) =>
      fullKeys.length === 1 ? s.delete(fullKeys[0]!).then(Number) : s.deleteMany(fullKeys),
    )
    // A delete that cannot reach L2 is replayed later, or the old value would come back.
    if (count === undefined) {
      for (const k of fullKeys) this.#parts.pending.set(k, { value: undefined, staleUntil: 0, at })
      this.#gateway.scheduleReplay()
    }
    return count
  }
}
