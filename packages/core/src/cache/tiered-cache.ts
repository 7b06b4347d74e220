import { isWellFormed } from '../bytes'
import { type Clock, coarseSystemClock, systemClock } from '../clock'
import { createCodec, type StatefulCodec } from '../codec/create-codec'
import type { Codec } from '../contracts/codec'
import { type Duration, parseDuration } from '../duration'
import { CacheError, describeInput, ValidationError } from '../errors'
import { GuardedStore } from '../resilience/guarded-store'
import { createBatchHost } from './batch-host'
import { type BatchHost, getMany } from './batch-read'
import { type BulkDelete, deletePrefixed, deleteTagged } from './bulk-delete'
import { BusLink } from './bus-link'
import type { CacheParts } from './cache-parts'
import { connectTiers } from './connect'
import type { PreparedWrite } from './entry'
import { type CacheEvents, type Tier, TypedEmitter } from './events'
import { type BatchLoader, getOrSetMany } from './get-or-set-many'
import { type CacheHealth, checkHealth } from './health'
import { scanNamespace } from './key-scan'
import { claimL1, releaseL1 } from './l1-owner'
import { L2Gateway } from './l2-gateway'
import { L2Reader } from './l2-read'
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
import { ReadThrough } from './read-through'
import { pendingClear } from './replay-pending'
import { SingleFlight } from './single-flight'
import { type CacheStats, StatsCounters, snapshotStats } from './stats'
import { WritePath } from './write-path'

/** The key of `TieredCache`'s store-and-read method: core's AI cache uses it; not exported to users. */
export const storeAndRead: unique symbol = Symbol('storeAndRead')

/** One entry of `setMany`. */
export interface SetManyEntry<T = unknown> extends SetOptions {
  key: string
  value: T
}

const instanceId = (): string =>
  typeof globalThis.crypto?.randomUUID === 'function'
    ? globalThis.crypto.randomUUID()
    : `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`

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
  // The internal parts, built once in the constructor (see cache-parts.ts).
  readonly #parts: CacheParts
  readonly #gateway: L2Gateway
  readonly #busLink: BusLink
  readonly #writes: WritePath
  readonly #reads: L2Reader
  readonly #through: ReadThrough
  #batchHost: BatchHost | undefined
  #closed = false
  #closing: Promise<void> | undefined

  constructor(options: CacheOptions) {
    this.options = resolveOptions(options)
    this.#l1 = options.l1
    if (this.#l1) claimL1(this.#l1, this)
    this.#codec = options.codec ?? createCodec()
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
          if (state === 'closed') void this.#gateway.replayPending()
        },
      })
    }
    const parts: CacheParts = (this.#parts = {
      id: this.id,
      options: this.options,
      prefix: this.#prefix,
      l1: this.#l1,
      l2: this.#l2,
      codec: this.#codec,
      bus: options.bus,
      lock: options.lock,
      now: this.#now,
      counters: this.#counters,
      events: this.#events,
      pending: this.#pending,
      isClosed: () => this.#closed,
      emitError: (error, tier, operation, key) => this.#emitError(error, tier, operation, key),
    })
    this.#gateway = new L2Gateway(parts)
    this.#busLink = new BusLink(parts)
    this.#writes = new WritePath(parts, this.#gateway, this.#busLink)
    this.#reads = new L2Reader(parts, this.#gateway, this.#writes)
    this.#through = new ReadThrough(parts, this.#reads, this.#writes)
  }

  /** Checks L2 within the connect timeout and subscribes to the bus. Called by `createCache`. */
  async connect(): Promise<this> {
    await connectTiers(this.#parts, this.#busLink, () => this.close())
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
    let hit: Promise<unknown> | undefined
    try {
      hit = this.#hotHit(key)
    } catch (error) {
      return Promise.reject(error)
    }
    return (hit as Promise<T> | undefined) ?? this.#getSlow<T>(key, this.#prefix + key)
  }

  /**
   * The shared hot path of `get` and `getOrSet`: validates, counts the call, and returns the value of a
   * fresh L1 entry as a promise (counted as a hit) or `undefined`. Synchronous, so a hit costs no closure
   * and no codec; a frozen entry's settled promise comes from `getResolved` when the tier has it.
   */
  #hotHit(key: string): Promise<unknown> | undefined {
    // A short string key on an open cache needs no more checks; anything else takes the full ones.
    if (this.#closed || typeof key !== 'string' || key.length === 0 || key.length > this.#shortKeyLength) {
      this.#checkOpen()
      checkKey(key, this.options.maxKeyBytes)
    }
    const counters = this.#counters
    counters.operations++
    const l1 = this.#l1
    if (l1 === undefined) return undefined
    const now = this.#hitNow()
    let hit = l1.getResolved?.(key, now)
    if (hit === undefined) {
      const entry = l1.get(key)
      if (entry === undefined || !(entry.expiresAt > now)) return undefined
      hit = entry.resolved ?? Promise.resolve(this.#reads.readL1Value(entry))
    }
    counters.l1Hits++
    if (this.#events.has('hit')) this.#events.emit('hit', { key, tier: 'l1' })
    return hit
  }

  #countL1Miss(key: string): void {
    if (!this.#l1) return
    this.#counters.l1Misses++
    if (this.#events.has('miss')) this.#events.emit('miss', { key, tier: 'l1' })
  }

  #getSlow<T>(key: string, fullKey: string): Promise<T | undefined> {
    try {
      // The hot path skips the full key check for short keys; a miss must not reach L2 with a bad one.
      checkKey(key, this.options.maxKeyBytes)
    } catch (error) {
      return Promise.reject(error)
    }
    this.#countL1Miss(key)
    return this.#reads.readValue(fullKey, key) as Promise<T | undefined>
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
    const bytes = await this.#gateway.call('has', (s) => s.get(fullKey), key)
    const found = await this.#reads.openLatest(fullKey, bytes, key)
    return found !== undefined && found.meta.expiresAt > this.#now()
  }

  /** Stores `value` in L2 then L1, and tells other instances to drop their copy. */
  set<T>(key: string, value: T, options: SetOptions = {}): Promise<void> {
    let prepared: PreparedWrite
    try {
      this.#checkOpen()
      checkKey(key, this.options.maxKeyBytes)
      prepared = this.#writes.prepare(key, value, options)
    } catch (error) {
      return Promise.reject(error)
    }
    this.#counters.operations++
    // Returned, not awaited: each promise link delays the caller by a turn of everyone's microtasks.
    // `Array.of`, not a literal, which V8 may pretenure (see `Meta` in codec/entry-meta.ts).
    return this.#writes.write(Array.of(prepared))
  }

  /** Removes `key` from every tier; true when it existed in any. */
  async delete(key: string): Promise<boolean> {
    this.#checkOpen()
    checkKey(key, this.options.maxKeyBytes)
    this.#counters.operations++
    return (await this.#writes.remove(Array.of(this.#prefix + key), Array.of(key))) > 0
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
      return this.#writes.prepare(e.key, e.value, e)
    })
    this.#counters.operations++
    await this.#writes.write(prepared)
  }

  /** Removes every key; resolves to how many existed. */
  async deleteMany(keys: readonly string[]): Promise<number> {
    this.#checkOpen()
    this.#checkKeyList(keys)
    this.#counters.operations++
    return this.#writes.remove(
      keys.map((k) => this.#prefix + k),
      keys,
    )
  }

  /**
   * Removes every key of this namespace, in every tier and on every instance. Nothing else. A clear that
   * cannot reach L2 is kept as a pending write and replayed first when L2 answers again.
   */
  async clear(): Promise<void> {
    this.#checkOpen()
    this.#counters.operations++
    this.#l1?.clear()
    this.#pending.clear()
    if (this.#l2) {
      const at = this.#now()
      const ok = await this.#gateway.call('clear', (s) => s.clear(this.#prefix).then(() => true))
      // Like a failed delete: without a replay the cleared entries would come back once L2 answers.
      if (ok === undefined) {
        this.#pending.set(
          this.#prefix,
          pendingClear(this.#prefix, at, () => this.#clearedLate(at)),
        )
        this.#gateway.scheduleReplay()
      }
    }
    this.#busLink.publish({ kind: 'clear', origin: this.id, prefix: this.#prefix })
  }

  /**
   * A pending clear reached L2 at last. Until then a read could find a cleared entry in L2 and copy it to
   * an L1 (here or on another instance): such copies are older than the clear and go now.
   */
  #clearedLate(at: number): void {
    const l1 = this.#l1
    if (l1) for (const key of [...l1.keys()]) if ((l1.get(key)?.createdAt ?? 0) <= at) l1.delete(key)
    this.#busLink.publish({ kind: 'clear', origin: this.id, prefix: this.#prefix })
  }

  /**
   * The cached value, or the loader's result stored under `key`. Concurrent calls for one key run the
   * loader once (across processes too with a `lock`); a loader error reaches every waiter and is not
   * cached, unless a stale value within `grace` can be served instead. A loader returning `undefined`
   * caches nothing.
   */
  getOrSet<T>(key: string, loader: () => T | Promise<T>, options: SetOptions = {}): Promise<T> {
    let hit: Promise<unknown> | undefined
    try {
      hit = this.#hotHit(key)
    } catch (error) {
      return Promise.reject(error)
    }
    return (hit as Promise<T> | undefined) ?? this.#getOrSetSlow(key, loader, options)
  }

  // L2 is read inside the flight (by ReadThrough.load), so a stampede of callers costs one L2 read, not one each.
  // Not async: the flight's promise is handed out as is, without an async frame resolving to it (one
  // promise and two microtasks less per L1 miss).
  #getOrSetSlow<T>(key: string, loader: () => T | Promise<T>, options: SetOptions): Promise<T> {
    this.#countL1Miss(key)
    try {
      // The hot path skips the full key check for short keys; a miss must not reach L2 with a bad one.
      checkKey(key, this.options.maxKeyBytes)
      if (typeof loader !== 'function')
        throw new ValidationError('getOrSet expects a loader function', 'VALIDATION')
      // Validate options before running anything, so a bad TTL or grace never reaches the loader.
      resolveTtl(options.ttl, this.options.defaultTtlMs)
      checkGrace(options.grace)
      checkTags(options.tags)
    } catch (error) {
      return Promise.reject(error)
    }
    const fullKey = this.#prefix + key
    // Keyed without the namespace (one per cache): the caller's key is usually a flat string already
    // hashed, while `fullKey` is a fresh concatenation the dictionary lookup would flatten and hash.
    return this.#flights.run(key, () => this.#through.load(key, fullKey, loader, options)) as Promise<T>
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

  /**
   * Removes every entry carrying `tag` from this namespace, here and on other instances; resolves to how
   * many were found. Rejects with an `InfrastructureError` when the L2 scan or a read failed (or the
   * circuit is open), after removing what it found: tagged entries may then remain in L2.
   */
  async deleteByTag(tag: string): Promise<number> {
    this.#checkOpen()
    const [checked] = checkTags([tag]) as [string]
    this.#counters.operations++
    return deleteTagged(this.#bulk(), checked)
  }

  /**
   * Removes every key of this namespace that starts with `prefix` (entries within grace too), in every
   * tier and on every instance: a cursor scan of L2 and L1, deleted in batches of 500. Resolves to how
   * many fresh entries were removed. Rejects with an `InfrastructureError` when the L2 scan failed (or the
   * circuit is open), after removing what it found: matching entries may then remain in L2. A key
   * written while the scan runs may be missed; `clear()` is the atomic way to empty a whole namespace.
   */
  async deleteByPrefix(prefix: string): Promise<number> {
    this.#checkOpen()
    if (typeof prefix !== 'string' || !isWellFormed(prefix))
      throw new ValidationError(
        `deleteByPrefix expects a well-formed string prefix, got ${describeInput(prefix)}`,
        'INVALID_KEY',
      )
    this.#counters.operations++
    return deletePrefixed(this.#bulk(), prefix)
  }

  /**
   * Streams this namespace's keys that start with `prefix` (returned without the namespace): a cursor
   * scan of L2, then L1 keys not seen there; each key once. A scan step that fails, times out or meets
   * an open circuit ends the L2 part and is reported as an `error` event rather than thrown.
   */
  keys(prefix = ''): AsyncGenerator<string> {
    this.#checkOpen()
    if (typeof prefix !== 'string') throw new ValidationError('keys expects a string prefix', 'INVALID_KEY')
    return scanNamespace(this.#parts, prefix)
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

  /**
   * Stores `value` like `set`, and resolves to the value as later reads return it (the decode of what was
   * stored, never `value` itself; wrapped in `Unshared` when it is not frozen, so callers sharing it each
   * get a copy). For the AI cache, which must answer a miss as a hit would answer: one write, no read back.
   */
  async [storeAndRead](key: string, value: unknown, options: SetOptions = {}): Promise<unknown> {
    this.#checkOpen()
    checkKey(key, this.options.maxKeyBytes)
    const prepared = this.#writes.prepare(key, value, options, true)
    this.#counters.operations++
    return this.#writes.storeAndRead(prepared)
  }

  /** Unsubscribes from the bus and closes store, bus and lock. Safe to call twice. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#closed = true
      if (this.#l1) releaseL1(this.#l1, this)
      this.#l2?.stop()
      this.#gateway.stop()
      await this.#busLink.unsubscribe()
      await Promise.allSettled([this.#l2?.store.close(), this.#parts.bus?.close(), this.#parts.lock?.close()])
    })()
    return this.#closing
  }

  // ---- internals -------------------------------------------------------------------------------

  #checkOpen(): void {
    if (this.#closed) throw new CacheError('The cache is closed', 'CLOSED')
  }

  #bulk(): BulkDelete {
    return {
      parts: this.#parts,
      gateway: this.#gateway,
      reads: this.#reads,
      writes: this.#writes,
      bus: this.#busLink,
    }
  }

  /** The view of this cache that the batch operations (batch-read.ts, get-or-set-many.ts) work on. */
  #batch(): BatchHost {
    this.#batchHost ??= createBatchHost(
      this.#parts,
      this.#flights,
      this.#gateway,
      this.#reads,
      this.#writes,
      (keys) => {
        this.#checkOpen()
        this.#checkKeyList(keys)
      },
    )
    return this.#batchHost
  }

  #checkKeyList(keys: readonly string[]): void {
    if (!Array.isArray(keys)) throw new ValidationError('Expected an array of keys', 'INVALID_KEY')
    for (const key of keys) checkKey(key, this.options.maxKeyBytes)
  }

  #emitError(error: unknown, tier: Tier, operation: string, key?: string): void {
    this.#counters.errors++
    const err = error instanceof Error ? error : new Error(String(error))
    this.#events.emit('error', { error: err, tier, operation, ...(key === undefined ? {} : { key }) })
  }
}

/** Throws a `ValidationError` for a per-call grace that is not a duration (`0` and `Infinity` are). */
function checkGrace(grace: unknown): void {
  if (grace !== undefined && grace !== Number.POSITIVE_INFINITY) parseDuration(grace as Duration, 'grace')
}

/**
 * Creates a cache and checks L2 within `connectTimeout`. When L2 is unreachable the cache still
 * resolves, serving from L1 with `health()` degraded, unless `failOnConnectionError` is set.
 */
export async function createCache(options: CacheOptions): Promise<TieredCache> {
  return new TieredCache(options).connect()
}
