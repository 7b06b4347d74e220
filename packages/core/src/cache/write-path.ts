import { ownBytes } from '../bytes'
import type { EntryMeta } from '../contracts/codec'
import type { L1Entry } from '../contracts/l1'
import type { Store, StoreEntry } from '../contracts/store'
import type { BusLink } from './bus-link'
import type { CacheParts } from './cache-parts'
import {
  buildL1Entry,
  DECODE,
  l1EntrySize,
  loadedValue,
  type PreparedWrite,
  prepareWrite,
  remainingTtlMs,
} from './entry'
import type { L2Gateway } from './l2-gateway'
import type { SetOptions } from './options'

const returnTrue = (): true => true
const isPromise = (value: unknown): value is Promise<unknown> => value instanceof Promise
/** One round trip for the sealed entries; shared, so a write allocates no closure for it. */
const writeEntries = (store: Store, entries: StoreEntry[]): Promise<true> =>
  (entries.length === 1
    ? store.set(entries[0]!.key, entries[0]!.value, entries[0]!.ttlMs)
    : store.setMany(entries)
  ).then(returnTrue)

/** Writes and deletes across the tiers: L2 first (failures kept as pending writes), then L1, then the bus. */
export class WritePath {
  readonly #parts: CacheParts
  readonly #gateway: L2Gateway
  readonly #bus: BusLink

  constructor(parts: CacheParts, gateway: L2Gateway, bus: BusLink) {
    this.#parts = parts
    this.#gateway = gateway
    this.#bus = bus
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
   * Writes L2 (one round trip for many) then L1, and tells other instances to drop their copy.
   * `afterL2` runs between the two (a lock holder releases there, so waiters find the value). Resolves
   * to the L1 entry built for each item (`undefined` where none was).
   */
  async store(items: PreparedWrite[], afterL2?: () => void): Promise<(L1Entry | undefined)[]> {
    if (this.#parts.l2) await this.#storeL2(items)
    afterL2?.()
    const entries = items.map((item) => this.#storeL1(item))
    if (this.#parts.bus)
      this.#bus.publish({ kind: 'keys', origin: this.#parts.id, keys: items.map((i) => i.fullKey) })
    return entries
  }

  /** `store` for the one write of a load, resolving to the value its callers get (see `loadedValue`). */
  async storeAndRead(item: PreparedWrite, afterL2?: () => void): Promise<unknown> {
    const [entry] = await this.store([item], afterL2)
    return loadedValue(entry, item, this.#parts.codec.serializer, this.#parts.l1 !== undefined)
  }

  #storeL1(item: PreparedWrite): L1Entry | undefined {
    this.#parts.counters.sets++
    const value = item.decoded === undefined ? DECODE : item.decoded
    const entry = this.#parts.l1 ? this.setL1(item.key, value, item.payload, item.meta) : undefined
    if (this.#parts.events.has('set')) this.#parts.events.emit('set', { key: item.key, tier: 'l1' })
    return entry
  }

  /** Seals and writes to L2 (one round trip); writes that fail are kept as pending. */
  async #storeL2(items: PreparedWrite[]): Promise<void> {
    const sealing = this.#sealAll(items)
    const entries = sealing instanceof Promise ? await sealing : sealing
    for (const e of entries) this.#parts.pending.superseded(e.key)
    const ok = (await this.#gateway.call('set', writeEntries, undefined, entries)) === true
    if (!ok) {
      this.#parts.counters.failedL2Writes += entries.length
      items.forEach((item, i) => {
        // Kept until L2 answers again: an envelope sealed in a shared block must not pin that block.
        this.#parts.pending.set(item.fullKey, {
          value: ownBytes(entries[i]!.value),
          staleUntil: item.meta.staleUntil,
          at: item.meta.createdAt,
        })
      })
      this.#gateway.scheduleReplay()
    } else if (this.#parts.events.has('set')) {
      for (const item of items) this.#parts.events.emit('set', { key: item.key, tier: 'l2' })
    }
  }

  /** Seals every item; a promise only when some need the async path (encryption), so no Promise.all per batch. */
  #sealAll(items: PreparedWrite[]): StoreEntry[] | Promise<StoreEntry[]> {
    const sealed = items.map((item) => this.#sealSync(item) ?? this.#seal(item))
    return sealed.some(isPromise) ? Promise.all(sealed) : (sealed as StoreEntry[])
  }

  /** The store entry for `item` when the codec seals synchronously (no encryption), else `undefined`. */
  #sealSync(item: PreparedWrite): StoreEntry | undefined {
    const value = this.#parts.codec.sealSync?.(item.payload, item.meta)
    return value === undefined ? undefined : this.#storeEntry(item, value)
  }

  async #seal(item: PreparedWrite): Promise<StoreEntry> {
    return this.#storeEntry(item, await this.#parts.codec.seal(item.payload, item.meta))
  }

  #storeEntry(item: PreparedWrite, value: Uint8Array): StoreEntry {
    // L2 TTL covers the grace window, so fail-safe can still find the entry after expiry.
    return { key: item.fullKey, value, ttlMs: remainingTtlMs(item.meta.staleUntil, this.#parts.now()) }
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

  /** Removes `keys` from every tier (a failed L2 delete is kept as pending); resolves to how many existed. */
  async remove(fullKeys: string[], keys: readonly string[]): Promise<number> {
    let removed = 0
    const now = this.#parts.now()
    for (const key of keys) {
      // An expired L1 copy is already logically gone: it does not count as removed.
      const fresh = (this.#parts.l1?.get(key)?.expiresAt ?? 0) > now
      if (this.#parts.l1?.delete(key) && fresh) removed++
    }
    if (this.#parts.l2) {
      const at = this.#parts.now()
      for (const k of fullKeys) this.#parts.pending.superseded(k)
      const count = await this.#gateway.call('delete', (s) =>
        fullKeys.length === 1 ? s.delete(fullKeys[0]!).then(Number) : s.deleteMany(fullKeys),
      )
      // A delete that cannot reach L2 is replayed later, or the old value would come back.
      if (count === undefined) {
        for (const k of fullKeys) this.#parts.pending.set(k, { value: undefined, staleUntil: 0, at })
        this.#gateway.scheduleReplay()
      } else removed = Math.max(count, removed)
    }
    this.#parts.counters.deletes += fullKeys.length
    for (const key of keys) this.#parts.events.emit('delete', { key, tier: this.#parts.l2 ? 'l2' : 'l1' })
    this.#bus.publish({ kind: 'keys', origin: this.#parts.id, keys: fullKeys })
    return removed
  }
}
