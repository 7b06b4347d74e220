import { type Clock, coarseSystemClock, systemClock } from '../clock'
import { createCodec, type StatefulCodec } from '../codec/create-codec'
import type { InvalidationMessage } from '../contracts/bus'
import type { Codec, EntryMeta } from '../contracts/codec'
import type { L1Entry } from '../contracts/l1'
import type { StoreEntry } from '../contracts/store'
import { CacheError, InfrastructureError, ValidationError } from '../errors'
import { GuardedStore } from '../resilience/guarded-store'
import { withTimeout } from '../resilience/with-timeout'
import { type BatchHost, getMany } from './batch-read'
import { buildL1Entry, type PreparedWrite, prepareWrite, remainingTtlMs } from './entry'
import { type CacheEvents, type Tier, TypedEmitter } from './events'
import { type BatchLoader, getOrSetMany } from './get-or-set-many'
import { type CacheHealth, checkHealth } from './health'
import { applyInvalidation } from './invalidation'
import { scanKeys } from './key-scan'
import { claimL1, releaseL1 } from './l1-owner'
import { loadWithLock } from './lock-loader'
import {
  type CacheOptions,
  checkKey,
  checkTags,
  type ResolvedOptions,
  resolveOptions,
  resolveTtl,
  type SetOptions,
} from './options'
import { PendingWrites } from './pending-writes'
import { replayPending } from './replay-pending'
import { SingleFlight } from './single-flight'
import { type CacheStats, StatsCounters, snapshotStats } from './stats'

/** One entry of `setMany`. */
export interface SetManyEntry<T = unknown> extends SetOptions {
  key: string
  value: T
}

interface Found {
  value: unknown
  meta: EntryMeta
  payload?: Uint8Array
}

const returnTrue = (): true => true

const instanceId = (): string =>
  typeof globalThis.crypto?.randomUUID === 'function'
    ? globalThis.crypto.randomUUID()
    : `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`

/** How often pending writes are retried while the circuit is closed. */
const REPLAY_RETRY_MS = 1_000

/**
 * A cache with an optional in-memory L1 in front of an optional shared L2 store.
 * Prefer `createCache`, which also checks that L2 is reachable before resolving.
 */
export class TieredCache {
  /** Random id of this instance, used to skip its own bus messages. */
  readonly id = instanceId()
  readonly options: ResolvedOptions
  readonly #l1
  readonly #l2: GuardedStore | undefined
  readonly #codec: Codec
  readonly #bus
  readonly #lock
  readonly #now: Clock
  /** The clock of the L1 hit check: coarse unless a clock was injected. */
  readonly #hitNow: Clock
  /** Keys up to this many UTF-16 units cannot exceed `maxKeyBytes` in UTF-8 (3 bytes a unit at most). */
  readonly #shortKeyLength: number
  readonly #prefix: string
  readonly #events = new TypedEmitter<CacheEvents>()
  readonly #counters = new StatsCounters()
  readonly #flights = new SingleFlight<unknown>()
  readonly #pending: PendingWrites
  #unsubscribe: (() => Promise<void>) | undefined
  #replayTimer: ReturnType<typeof setTimeout> | undefined
  #batchHost: BatchHost | undefined
  #closed = false
  #closing: Promise<void> | undefined

  constructor(options: CacheOptions) {
    this.options = resolveOptions(options)
    this.#l1 = options.l1
    if (this.#l1) claimL1(this.#l1, this)
    this.#codec = options.codec ?? createCodec()
    this.#bus = options.bus
    this.#lock = options.lock
    this.#now = options.now ?? systemClock
    this.#hitNow = options.now ?? coarseSystemClock
    this.#shortKeyLength = Math.floor(this.options.maxKeyBytes / 3)
    this.#prefix = `${this.options.namespace}:`
    this.#pending = new PendingWrites(this.options.maxPendingWrites)
    if (options.store) {
      this.#l2 = new GuardedStore(options.store, {
        commandTimeoutMs: this.options.commandTimeoutMs,
        breakerFailureThreshold: this.options.breakerFailureThreshold,
        breakerRecoveryMs: this.options.breakerRecoveryMs,
        now: this.#now,
        onStateChange: (state) => {
          this.#events.emit('circuit', { state })
          if (state === 'closed') void this.#replayPending()
        },
      })
    }
  }

  /** Checks L2 within the connect timeout and subscribes to the bus. Called by `createCache`. */
  async connect(): Promise<this> {
    if (this.#l2) {
      const store = this.#l2.store
      try {
        await this.#withConnectTimeout(store.ping(), `${store.name} ping`)
      } catch (error) {
        if (this.options.failOnConnectionError) {
          await this.close()
          throw new InfrastructureError(`Cannot reach ${store.name} at start`, 'CONNECTION', { cause: error })
        }
        this.#l2.breaker.trip()
        this.#emitError(error, 'l2', 'connect')
      }
    }
    if (this.#bus) {
      try {
        this.#unsubscribe = await this.#withConnectTimeout(
          this.#bus.subscribe(
            (message) => this.#onInvalidation(message),
            () => this.#l1?.clear(),
          ),
          'bus subscribe',
        )
      } catch (error) {
        if (this.options.failOnConnectionError) {
          await this.close()
          throw new InfrastructureError('Cannot subscribe to the invalidation bus', 'CONNECTION', {
            cause: error,
          })
        }
        this.#emitError(error, 'bus', 'connect')
      }
    }
    return this
  }

  /** Subscribes to an event; returns an unsubscribe function. */
  on<K extends keyof CacheEvents>(event: K, listener: (payload: CacheEvents[K]) => void): () => void {
    return this.#events.on(event, listener)
  }

  /** Removes a listener added with `on`. */
  off<K extends keyof CacheEvents>(event: K, listener: (payload: CacheEvents[K]) => void): void {
    this.#events.off(event, listener)
  }

  /** The value, or `undefined` on a miss. Never rejects because L2 is down; rejects for an invalid key. */
  get<T = unknown>(key: string): Promise<T | undefined> {
    let entry: L1Entry | undefined
    try {
      entry = this.#hotEntry(key)
    } catch (error) {
      return Promise.reject(error)
    }
    if (entry !== undefined)
      return (entry.resolved ?? Promise.resolve(this.#readL1Value(entry))) as Promise<T>
    return this.#getSlow<T>(key, this.#prefix + key)
  }

  /**
   * The shared hot path of `get` and `getOrSet`: validates, counts the call, and returns a fresh L1
   * entry (counted as a hit) or `undefined`. Synchronous, so a hit costs no closure and no codec.
   */
  #hotEntry(key: string): L1Entry | undefined {
    // A short string key on an open cache needs no more checks; anything else takes the full ones.
    if (this.#closed || typeof key !== 'string' || key.length === 0 || key.length > this.#shortKeyLength) {
      this.#checkOpen()
      checkKey(key, this.options.maxKeyBytes)
    }
    const counters = this.#counters
    counters.operations++
    const entry = this.#l1?.get(key)
    if (entry === undefined || !(entry.expiresAt > this.#hitNow())) return undefined
    counters.l1Hits++
    if (this.#events.has('hit')) this.#events.emit('hit', { key, tier: 'l1' })
    return entry
  }

  #countL1Miss(key: string): void {
    if (!this.#l1) return
    this.#counters.l1Misses++
    if (this.#events.has('miss')) this.#events.emit('miss', { key, tier: 'l1' })
  }

  async #getSlow<T>(key: string, fullKey: string): Promise<T | undefined> {
    this.#countL1Miss(key)
    const found = await this.#readL2(fullKey, key)
    if (found && found.meta.expiresAt > this.#now()) return found.value as T
    this.#counters.misses++
    return undefined
  }

  /** True when a fresh value exists; does not count as a hit or miss and does not backfill. */
  async has(key: string): Promise<boolean> {
    this.#checkOpen()
    checkKey(key, this.options.maxKeyBytes)
    this.#counters.operations++
    const fullKey = this.#prefix + key
    const entry = this.#l1?.get(key)
    if (entry && entry.expiresAt > this.#now()) return true
    if (!this.#l2) return false
    const bytes = await this.#l2Call('has', (s) => s.get(fullKey), key)
    if (!bytes) return false
    const found = await this.#open(fullKey, bytes, key)
    return found !== undefined && found.meta.expiresAt > this.#now()
  }

  /** Stores `value` in L2 then L1, and tells other instances to drop their copy. */
  async set<T>(key: string, value: T, options: SetOptions = {}): Promise<void> {
    this.#checkOpen()
    checkKey(key, this.options.maxKeyBytes)
    const prepared = this.#prepare(key, value, options)
    this.#counters.operations++
    await this.#store([prepared])
  }

  /** Removes `key` from every tier; true when it existed in any. */
  async delete(key: string): Promise<boolean> {
    this.#checkOpen()
    checkKey(key, this.options.maxKeyBytes)
    this.#counters.operations++
    return (await this.#remove([this.#prefix + key], [key])) > 0
  }

  /** Values in the order of `keys`, `undefined` for misses; one L2 round trip for the L1 misses. */
  getMany<T = unknown>(keys: readonly string[]): Promise<(T | undefined)[]> {
    return getMany<T>(this.#batch(), keys)
  }

  /** Stores every entry (one L2 round trip); validates them all first, so a bad one changes nothing. */
  async setMany(entries: readonly SetManyEntry[]): Promise<void> {
    this.#checkOpen()
    if (!Array.isArray(entries))
      throw new ValidationError('setMany expects an array of { key, value }', 'VALIDATION')
    const prepared = entries.map((e) => {
      checkKey(e?.key, this.options.maxKeyBytes)
      return this.#prepare(e.key, e.value, e)
    })
    this.#counters.operations++
    await this.#store(prepared)
  }

  /** Removes every key; resolves to how many existed. */
  async deleteMany(keys: readonly string[]): Promise<number> {
    this.#checkOpen()
    this.#checkKeyList(keys)
    this.#counters.operations++
    return this.#remove(
      keys.map((k) => this.#prefix + k),
      keys,
    )
  }

  /** Removes every key of this namespace, in every tier and on every instance. Nothing else. */
  async clear(): Promise<void> {
    this.#checkOpen()
    this.#counters.operations++
    this.#l1?.clear()
    this.#pending.clear()
    await this.#l2Call('clear', (s) => s.clear(this.#prefix))
    this.#publish({ kind: 'clear', origin: this.id, prefix: this.#prefix })
  }

  /**
   * The cached value, or the loader's result stored under `key`. Concurrent calls for one key run the
   * loader once (across processes too with a `lock`); a loader error reaches every waiter and is not
   * cached, unless a stale value within `grace` can be served instead. A loader returning `undefined`
   * caches nothing.
   */
  getOrSet<T>(key: string, loader: () => T | Promise<T>, options: SetOptions = {}): Promise<T> {
    let entry: L1Entry | undefined
    try {
      entry = this.#hotEntry(key)
    } catch (error) {
      return Promise.reject(error)
    }
    if (entry !== undefined)
      return (entry.resolved ?? Promise.resolve(this.#readL1Value(entry))) as Promise<T>
    return this.#getOrSetSlow(key, loader, options)
  }

  // L2 is read inside the flight (by #loadThrough), so a stampede of callers costs one L2 read, not one each.
  async #getOrSetSlow<T>(key: string, loader: () => T | Promise<T>, options: SetOptions): Promise<T> {
    this.#countL1Miss(key)
    if (typeof loader !== 'function')
      throw new ValidationError('getOrSet expects a loader function', 'VALIDATION')
    // Validate options before running anything, so a bad TTL never reaches the loader.
    resolveTtl(options.ttl, this.options.defaultTtlMs)
    checkTags(options.tags)
    const fullKey = this.#prefix + key
    return this.#flights.run(fullKey, () => this.#loadThrough(key, fullKey, loader, options)) as Promise<T>
  }

  /**
   * Batch read-through: values in the order of `keys` (`undefined` where the loader had none). L1 first,
   * then one L2 read for the L1 misses, then ONE loader call with only the keys still missing (each once),
   * whose values are written with one L2 round trip. The loader returns an array with one value per
   * key in order, or a `Map` / plain object keyed by key; a wrong length or an unrequested key rejects
   * with a `ValidationError` (code `INVALID_LOADER_RESULT`) and caches nothing. Keys another
   * `getOrSet`/`getOrSetMany` of this instance is loading are joined, never loaded twice (not across
   * processes: the `lock` is not used). A loader error rejects the call unless every key it needed has
   * a stale value within `grace`. With L2 down the loader still runs and its values are returned.
   */
  getOrSetMany<T>(
    keys: readonly string[],
    loader: BatchLoader<T>,
    options: SetOptions = {},
  ): Promise<(T | undefined)[]> {
    return getOrSetMany<T>(this.#batch(), keys, loader, options, this.options.defaultTtlMs)
  }

  /** Wraps `fn` so calls are cached under `options.key(...args)`. */
  wrap<A extends unknown[], T>(
    fn: (...args: A) => T | Promise<T>,
    options: SetOptions & { key: (...args: A) => string },
  ): (...args: A) => Promise<T> {
    if (typeof fn !== 'function' || typeof options?.key !== 'function') {
      throw new ValidationError('wrap expects a function and { key: (...args) => string }', 'VALIDATION')
    }
    return (...args: A) => this.getOrSet(options.key(...args), () => fn(...args), options)
  }

  /** Removes every entry carrying `tag` from this namespace, here and on other instances. */
  async deleteByTag(tag: string): Promise<number> {
    this.#checkOpen()
    const [checked] = checkTags([tag]) as [string]
    this.#counters.operations++
    const matches: string[] = []
    for await (const key of this.keys()) {
      const fullKey = this.#prefix + key
      if (this.#l1?.get(key)?.tags.includes(checked)) {
        matches.push(key)
        continue
      }
      const bytes = this.#l2 ? await this.#l2Call('get', (s) => s.get(fullKey), key) : undefined
      const entry = bytes ? await this.#open(fullKey, bytes, key) : undefined
      if (entry?.meta.tags.includes(checked)) matches.push(key)
    }
    return this.#remove(
      matches.map((k) => this.#prefix + k),
      matches,
    )
  }

  /**
   * Streams this namespace's keys that start with `prefix` (returned without the namespace): a cursor
   * scan of L2, then L1 keys not seen there; each key once. L2 is skipped while its circuit is open,
   * and a failing scan step is reported as an `error` event rather than thrown.
   */
  keys(prefix = ''): AsyncGenerator<string> {
    this.#checkOpen()
    if (typeof prefix !== 'string') throw new ValidationError('keys expects a string prefix', 'INVALID_KEY')
    return scanKeys(
      {
        l1: this.#l1,
        l2: this.#l2,
        namespacePrefix: this.#prefix,
        stepTimeoutMs: this.options.commandTimeoutMs,
        now: this.#now,
        onError: (error) => this.#emitError(error, 'l2', 'keys'),
      },
      prefix,
    )
  }

  /** A snapshot of counters; hitRatio is computed over reads only. */
  stats(): CacheStats {
    return snapshotStats({
      counters: this.#counters,
      l1: this.#l1,
      circuit: this.#l2 ? this.#l2.breaker.state : 'none',
      pending: this.#pending,
      codec: this.#codec as Partial<StatefulCodec>,
    })
  }

  /** Pings L2 (bypassing an open circuit) and reports healthy, degraded (L1 serving) or unhealthy. */
  health(): Promise<CacheHealth> {
    return checkHealth(this.#l1, this.#l2, this.options.connectTimeoutMs)
  }

  /** Unsubscribes from the bus and closes store, bus and lock. Safe to call twice. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#closed = true
      if (this.#l1) releaseL1(this.#l1, this)
      this.#l2?.stop()
      clearTimeout(this.#replayTimer)
      await this.#unsubscribe?.().catch(() => {})
      await Promise.allSettled([this.#l2?.store.close(), this.#bus?.close(), this.#lock?.close()])
    })()
    return this.#closing
  }

  // ---- internals -------------------------------------------------------------------------------

  #checkOpen(): void {
    if (this.#closed) throw new CacheError('The cache is closed', 'CLOSED')
  }

  /** The view of this cache that the batch operations (batch-read.ts, get-or-set-many.ts) work on. */
  #batch(): BatchHost {
    this.#batchHost ??= {
      prefix: this.#prefix,
      l1: this.#l1,
      now: this.#now,
      counters: this.#counters,
      events: this.#events,
      flights: this.#flights,
      serializer: this.#codec.serializer,
      checkKeys: (keys) => {
        this.#checkOpen()
        this.#checkKeyList(keys)
      },
      readL1Value: (entry) => this.#readL1Value(entry),
      l2GetMany: async (fullKeys) =>
        this.#l2 ? this.#l2Call('getMany', (s) => s.getMany(fullKeys)) : undefined,
      acceptL2: (fullKey, bytes, key) => this.#acceptL2(fullKey, bytes ?? undefined, key),
      prepare: (key, value, options) => this.#prepare(key, value, options),
      store: (items) => this.#store(items),
      emitError: (error, tier, operation, key) => this.#emitError(error, tier, operation, key),
    }
    return this.#batchHost
  }

  #checkKeyList(keys: readonly string[]): void {
    if (!Array.isArray(keys)) throw new ValidationError('Expected an array of keys', 'INVALID_KEY')
    for (const key of keys) checkKey(key, this.options.maxKeyBytes)
  }

  #readL1Value(entry: L1Entry): unknown {
    return entry.payload ? this.#codec.serializer.deserialize(entry.payload) : entry.value
  }

  #prepare(key: string, value: unknown, options: SetOptions): PreparedWrite {
    return prepareWrite(key, this.#prefix + key, value, options, {
      serializer: this.#codec.serializer,
      settings: this.options,
      now: this.#now(),
    })
  }

  async #store(items: PreparedWrite[]): Promise<void> {
    if (this.#l2) await this.#storeL2(items)
    const emitSet = this.#events.has('set')
    for (const item of items) {
      this.#counters.sets++
      if (this.#l1)
        this.#setL1(item.key, this.#codec.serializer.deserialize(item.payload), item.payload, item.meta)
      if (emitSet) this.#events.emit('set', { key: item.key, tier: 'l1' })
    }
    if (this.#bus) this.#publish({ kind: 'keys', origin: this.id, keys: items.map((i) => i.fullKey) })
  }

  /** Seals and writes to L2 (one round trip); writes that fail are kept as pending. */
  async #storeL2(items: PreparedWrite[]): Promise<void> {
    // A single write (every set and getOrSet) skips the Promise.all and the array of promises.
    const entries =
      items.length === 1
        ? [await this.#seal(items[0]!)]
        : await Promise.all(items.map((item) => this.#seal(item)))
    for (const e of entries) this.#pending.superseded(e.key)
    const ok = await this.#l2Call('set', (s) =>
      (entries.length === 1
        ? s.set(entries[0]!.key, entries[0]!.value, entries[0]!.ttlMs)
        : s.setMany(entries)
      ).then(returnTrue),
    )
    if (ok === undefined) {
      this.#counters.failedL2Writes += entries.length
      items.forEach((item, i) => {
        const { value } = entries[i]!
        this.#pending.set(item.fullKey, {
          value,
          staleUntil: item.meta.staleUntil,
          at: item.meta.createdAt,
        })
      })
      this.#scheduleReplay()
    } else if (this.#events.has('set')) {
      for (const item of items) this.#events.emit('set', { key: item.key, tier: 'l2' })
    }
  }

  async #seal(item: PreparedWrite): Promise<StoreEntry> {
    const value = await this.#codec.seal(item.payload, item.meta)
    // L2 TTL covers the grace window, so fail-safe can still find the entry after expiry.
    return { key: item.fullKey, value, ttlMs: remainingTtlMs(item.meta.staleUntil, this.#now()) }
  }

  /** Backfills L1; returns the entry built, or `undefined` when it is already stale (nothing stored). */
  #setL1(key: string, value: unknown, payload: Uint8Array, meta: EntryMeta): L1Entry | undefined {
    if (!this.#l1) return undefined
    const now = this.#now()
    if (meta.staleUntil <= now) return undefined
    const entry = buildL1Entry(key, value, payload, meta)
    this.#l1.set(key, entry, remainingTtlMs(meta.staleUntil, now))
    return entry
  }

  async #remove(fullKeys: string[], keys: readonly string[]): Promise<number> {
    let removed = 0
    const now = this.#now()
    for (const key of keys) {
      // An expired L1 copy is already logically gone: it does not count as removed.
      const fresh = (this.#l1?.get(key)?.expiresAt ?? 0) > now
      if (this.#l1?.delete(key) && fresh) removed++
    }
    if (this.#l2) {
      const at = this.#now()
      for (const k of fullKeys) this.#pending.superseded(k)
      const count = await this.#l2Call('delete', (s) =>
        fullKeys.length === 1 ? s.delete(fullKeys[0]!).then(Number) : s.deleteMany(fullKeys),
      )
      // A delete that cannot reach L2 is replayed later, or the old value would come back.
      if (count === undefined) {
        for (const k of fullKeys) this.#pending.set(k, { value: undefined, staleUntil: 0, at })
        this.#scheduleReplay()
      } else removed = Math.max(count, removed)
    }
    this.#counters.deletes += fullKeys.length
    for (const key of keys) this.#events.emit('delete', { key, tier: this.#l2 ? 'l2' : 'l1' })
    this.#publish({ kind: 'keys', origin: this.id, keys: fullKeys })
    return removed
  }

  /** Reads L2, decodes, backfills L1 with the remaining TTL; `undefined` when absent or unavailable. */
  // async/await on purpose: an await costs one microtask, while a `.then` callback that returns a
  // promise (the decode) costs three. This runs for every L2 read.
  async #readL2(fullKey: string, key: string): Promise<Found | undefined> {
    if (!this.#l2) return undefined
    const bytes = await this.#l2Call('get', (s) => s.get(fullKey), key)
    if (!bytes) return this.#l2Miss(key, undefined)
    return this.#acceptFound(key, await this.#open(fullKey, bytes, key))
  }

  async #acceptL2(fullKey: string, bytes: Uint8Array | undefined, key: string): Promise<Found | undefined> {
    if (!bytes) return this.#l2Miss(key, undefined)
    return this.#acceptFound(key, await this.#open(fullKey, bytes, key))
  }

  /** Counts a decoded L2 entry as a hit or miss and backfills L1 with a fresh one. */
  #acceptFound(key: string, found: Found | undefined): Found | undefined {
    if (!found || !(found.meta.expiresAt > this.#now())) return this.#l2Miss(key, found)
    this.#counters.l2Hits++
    if (this.#events.has('hit')) this.#events.emit('hit', { key, tier: 'l2' })
    if (!this.#l1) return found
    const payload = found.payload ?? this.#reencode(found.value)
    const entry = payload ? this.#setL1(key, found.value, payload, found.meta) : undefined
    if (!payload) this.#l1.delete(key)
    // A frozen entry holds `found.value` itself (frozen in place), so the first reader cannot mutate the
    // cache. An entry kept as bytes gets a private decode, as every later hit does, never the value
    // freezing may have half-frozen. No second L1 lookup either way.
    return entry?.payload ? { value: this.#readL1Value(entry), meta: found.meta } : found
  }

  #l2Miss(key: string, found: Found | undefined): Found | undefined {
    this.#counters.l2Misses++
    if (this.#events.has('miss')) this.#events.emit('miss', { key, tier: 'l2' })
    return found
  }

  /** Bytes for L1; `undefined` when an entry read through an older serializer does not fit the current one. */
  #reencode(value: unknown): Uint8Array | undefined {
    try {
      return this.#codec.serializer.serialize(value)
    } catch {
      return undefined
    }
  }

  /** Decodes an envelope; a corrupt one is deleted from L2, reported, and read as a miss. */
  async #open(fullKey: string, bytes: Uint8Array, key: string): Promise<Found | undefined> {
    try {
      return await this.#codec.open(bytes)
    } catch (error) {
      this.#emitError(error, 'l2', 'decode', key)
      void this.#l2Call('delete', (s) => s.delete(fullKey), key)
      return undefined
    }
  }

  /** Runs an L2 call through timeout and breaker; failures are reported and yield `undefined`. */
  #l2Call<T>(
    operation: string,
    run: (s: GuardedStore['store']) => Promise<T>,
    key?: string,
  ): Promise<T | undefined> {
    if (!this.#l2) return Promise.resolve(undefined)
    return this.#l2.call(operation, run).then(
      (result) => {
        // L2 answers again: writes that failed without opening the circuit are replayed now.
        if (this.#pending.size > 0 && !this.#pending.replaying && !this.#closed) void this.#replayPending()
        return result
      },
      (error: unknown) => {
        this.#emitError(error, 'l2', operation, key)
        return undefined
      },
    )
  }

  async #loadThrough(
    key: string,
    fullKey: string,
    loader: () => unknown,
    options: SetOptions,
  ): Promise<unknown> {
    const found = await this.#readL2(fullKey, key)
    if (found && found.meta.expiresAt > this.#now()) return found.value
    const stale = found ?? this.#staleFromL1(key)
    try {
      // With L2 down the lock (usually on the same server) would only add a timeout to every load.
      if (this.#lock && this.#l2?.breaker.state !== 'open')
        return await this.#loadWithLock(key, fullKey, loader, options)
      return await this.#loadAndStore(key, loader, options)
    } catch (error) {
      if (stale && stale.meta.staleUntil > this.#now()) {
        this.#counters.staleServed++
        this.#emitError(error, 'loader', 'getOrSet', key)
        return stale.value
      }
      throw error
    } finally {
      this.#counters.misses++
    }
  }

  #staleFromL1(key: string): Found | undefined {
    const entry = this.#l1?.get(key)
    return entry ? { value: this.#readL1Value(entry), meta: entry } : undefined
  }

  async #loadAndStore(key: string, loader: () => unknown, options: SetOptions): Promise<unknown> {
    this.#counters.loads++
    const value = await loader()
    if (value === undefined) return undefined
    const prepared = this.#prepare(key, value, options)
    await this.#store([prepared])
    const entry = this.#l1?.get(prepared.key)
    return entry ? this.#readL1Value(entry) : this.#codec.serializer.deserialize(prepared.payload)
  }

  #loadWithLock(key: string, fullKey: string, loader: () => unknown, options: SetOptions): Promise<unknown> {
    return loadWithLock({
      lock: this.#lock!,
      lockKey: `${fullKey}:lock`,
      lockTtlMs: this.options.lockTtlMs,
      lockWaitMs: this.options.lockWaitMs,
      commandTimeoutMs: this.options.commandTimeoutMs,
      readFresh: async () => {
        const found = await this.#readL2(fullKey, key)
        return found && found.meta.expiresAt > this.#now() ? found : undefined
      },
      load: () => this.#loadAndStore(key, loader, options),
      onError: (error, operation) => this.#emitError(error, 'lock', operation, key),
    })
  }

  /**
   * Retries pending writes every second while any remain: failures too few to open the circuit leave
   * no probe behind, and with L1 answering every read nothing else would reach L2 to replay them.
   */
  #scheduleReplay(): void {
    if (this.#replayTimer !== undefined || this.#closed) return
    this.#replayTimer = setTimeout(async () => {
      this.#replayTimer = undefined
      if (this.#closed || this.#pending.size === 0) return
      if (this.#l2?.breaker.state === 'closed') await this.#replayPending()
      if (this.#pending.size > 0) this.#scheduleReplay()
    }, REPLAY_RETRY_MS)
    // Never keep a process alive for this (Node, Bun); edge runtimes return a number here.
    ;(this.#replayTimer as { unref?: () => void }).unref?.()
  }

  #replayPending(): Promise<void> {
    return replayPending({
      pending: this.#pending,
      codec: this.#codec,
      now: this.#now,
      call: (operation, run) => this.#l2Call(operation, run),
    })
  }

  /** Not awaited: a write's latency is bounded by the L2 timeout alone, never by a slow bus on top. */
  #publish(message: InvalidationMessage): void {
    if (!this.#bus || this.#closed) return
    this.#withConnectTimeout(this.#bus.publish(message), 'bus publish', this.options.commandTimeoutMs).catch(
      (error) => this.#emitError(error, 'bus', 'publish'),
    )
  }

  #onInvalidation(message: InvalidationMessage): void {
    if (message.origin !== this.id && this.#l1) applyInvalidation(this.#l1, this.#prefix, message)
  }

  #withConnectTimeout<T>(promise: Promise<T>, what: string, ms = this.options.connectTimeoutMs): Promise<T> {
    return withTimeout(promise, ms, what)
  }

  #emitError(error: unknown, tier: Tier, operation: string, key?: string): void {
    this.#counters.errors++
    const err = error instanceof Error ? error : new Error(String(error))
    this.#events.emit('error', { error: err, tier, operation, ...(key === undefined ? {} : { key }) })
  }
}

/**
 * Creates a cache and checks L2 within `connectTimeout`. When L2 is unreachable the cache still
 * resolves, serving from L1 with `health()` degraded, unless `failOnConnectionError` is set.
 */
export async function createCache(options: CacheOptions): Promise<TieredCache> {
  return new TieredCache(options).connect()
}
