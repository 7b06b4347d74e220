import type { EntryMeta } from './codec'

/** What the in-memory tier holds for one key: an already decoded value plus its expiry. */
export interface L1Entry extends EntryMeta {
  /**
   * The decoded value, deep-frozen at write time when it is made of plain objects, arrays and
   * primitives, so a hot hit hands it out without copying.
   */
  value: unknown
  /**
   * Serialized bytes for values that cannot be frozen (Map, Set, typed arrays, Date...): each hit
   * deserializes a private copy, so no caller can change what the next one sees.
   */
  payload?: Uint8Array
  /**
   * A promise already resolved with the frozen `value` (absent with `payload`): every hot hit hands out
   * this one, so a hit allocates nothing.
   */
  resolved?: Promise<unknown>
  /** Estimated bytes, used for the byte bound. */
  size: number
}

/** The in-process tier in front of the store. Synchronous so a hot hit costs no I/O. */
export interface L1Tier {
  readonly name: string
  /** The entry, or `undefined` on a miss. Expiry is checked by the cache with its own clock. */
  get(key: string): L1Entry | undefined
  /**
   * Optional hot path: `entry.resolved` when the entry has a settled promise and `expiresAt > now` (the
   * cache's clock, which alone judges freshness here), counted as a use as `get` counts one; otherwise
   * `undefined`, and the cache then asks `get`. A tier that keeps both fields by slot answers without
   * reading the entry object, so a hot hit touches one object fewer (with 10k entries, a cache miss
   * fewer per hit). Such a tier should list entries past its own TTL in `keys`, so invalidations reach
   * what this method may still serve.
   */
  getResolved?(key: string, now: number): Promise<unknown> | undefined
  /** Keeps `entry` for at most `ttlMs` (or forever when omitted). */
  set(key: string, entry: L1Entry, ttlMs?: number): void
  /**
   * Optional, for a tier that may refuse entries (admission): decides now whether an entry of `size`
   * bytes ({@link L1Entry.size}) for `key` may enter, so the cache builds no entry the tier would drop
   * (no second decode, no settled promise). `false` means the refusal is done: the tier did what
   * `set` does when it refuses (counted the request, dropped any older copy). `true` admits the entry
   * for the `set(key, ...)` the cache makes right after, which then takes it without deciding again.
   * A tier without it receives every entry through `set`.
   */
  admits?(key: string, size: number): boolean
  /** True when a key was removed. */
  delete(key: string): boolean
  /** Removes keys starting with `prefix`, or everything without one. */
  clear(prefix?: string): void
  /** Keys currently held, expired ones possibly included (for tag invalidation and diagnostics; read entries with `get`). */
  keys(): IterableIterator<string>
  /** Number of entries held. */
  readonly size: number
  /** Estimated bytes held. */
  readonly bytes: number
  /** How many entries were evicted to respect the bounds. */
  readonly evictions: number
}
