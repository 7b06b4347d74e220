/** Optional abilities a store declares up front; the conformance suite and the cache read them. */
export interface StoreCapabilities {
  /** The store enforces `ttlMs` itself (expired keys disappear without a read). */
  readonly nativeTtl: boolean
  /** Several processes see the same data (Redis, Upstash); false for an in-process map. */
  readonly shared: boolean
}

/** One entry for {@link Store.setMany}. */
export interface StoreEntry {
  key: string
  value: Uint8Array
  ttlMs?: number
}

/**
 * A shared (L2) tier. It speaks bytes only: serializing, compressing and the envelope happen in core.
 * Every method rejects with an `InfrastructureError` when the backend cannot be reached.
 */
export interface Store {
  readonly name: string
  readonly capabilities: StoreCapabilities
  /** The bytes stored under `key`, or `undefined` on a miss. */
  get(key: string): Promise<Uint8Array | undefined>
  /** Values in the order of `keys`, `undefined` for each miss; one round trip. */
  getMany(keys: readonly string[]): Promise<(Uint8Array | undefined)[]>
  /**
   * Stores `value`; without `ttlMs` it never expires. `value` may be a view into a larger buffer that the
   * cache keeps using for other entries (never rewriting this view): a store that keeps bytes in memory
   * keeps a copy, as the conformance suite's mutation test requires anyway.
   */
  set(key: string, value: Uint8Array, ttlMs?: number): Promise<void>
  /** Stores every entry in one round trip where the backend allows it. */
  setMany(entries: readonly StoreEntry[]): Promise<void>
  /** True when a key was removed, false when it was absent. */
  delete(key: string): Promise<boolean>
  /** How many of `keys` were removed. */
  deleteMany(keys: readonly string[]): Promise<number>
  /** Removes every key starting with `prefix` and nothing else; never a whole-database flush. */
  clear(prefix: string): Promise<void>
  /** Streams the keys starting with `prefix` with a cursor, without loading them all at once. */
  keys(prefix: string): AsyncIterable<string>
  /** Round-trip time in milliseconds; rejects when the backend is unreachable. */
  ping(): Promise<number>
  /** Releases what the store opened; calling it twice is harmless. */
  close(): Promise<void>
  /**
   * Optional: calls `listener` each time the connection to the backend is ready again after it was lost,
   * and returns a function that stops it. With it, the cache probes an open circuit at once instead of
   * waiting out the rest of the recovery window.
   */
  onReconnect?(listener: () => void): () => void
}
