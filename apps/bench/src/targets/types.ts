/** Which tiers a target runs with: L1 only, L2 (Redis) only, or L1 in front of L2. */
export type Mode = 'memory' | 'l2' | 'tiered'

/** What a workload needs from a cache under test; sync returns are awaited like async ones. */
export interface BenchCache {
  get(key: string): unknown
  set(key: string, value: unknown, ttlMs: number): unknown
  /** Read-through: the cached value, or the loader's result stored under `key`. */
  getOrSet(key: string, loader: () => Promise<unknown>, ttlMs: number): unknown
  /** Values of many keys in one call, when the library has such a call. */
  getMany?(keys: string[]): Promise<unknown[]>
  /**
   * Batch read-through: the values of `keys` in order; `loader` gets the keys no tier had and returns
   * their values in the same order. Absent when the library has no batch read-through of its own.
   */
  getOrSetMany?(
    keys: string[],
    loader: (missing: string[]) => Promise<unknown[]>,
    ttlMs: number,
  ): Promise<unknown[]>
  /** Redis round trips so far: reads (GET, MGET) and writes (SET, or one pipeline of them). */
  roundTrips?(): { reads: number; writes: number }
  /** L1 hits and misses so far, when the target can tell. */
  l1Counts?(): { hits: number; misses: number }
  close(): Promise<void>
}

/** Settings every target gets from the workload. */
export interface TargetContext {
  /** Redis key prefix owned by this child; ends with ':'. */
  prefix: string
  /** L1 capacity in entries. */
  l1Items: number
  /** Redis URL (possibly through the outage proxy). */
  redisUrl: string
  /** A `--quick` run (CI's smoke test): settings may favour finishing over speed. */
  quick?: boolean
  /** Extra knobs a workload asks of our stack (compression, breaker, lock...). */
  ours?: OursOptions
}

/** A node:zlib compressor setting of our stack (`zlibCompressor` from @cache/compression-node). */
export interface OursCompression {
  algorithm: 'brotli' | 'deflate'
  /** The compressor's default when omitted. */
  level?: number
}

/** Workload-specific settings of our stack. */
export interface OursOptions {
  compression?: OursCompression
  lock?: boolean
  commandTimeoutMs?: number
  breakerRecoveryMs?: number
  /** Count L2 round trips through a delegating store (for `roundTrips`). */
  countRoundTrips?: boolean
  /** `memoryL1`'s admission policy; the package default when omitted. */
  l1Admission?: 'lru' | 'tinylfu'
}

/** A library under test. */
export interface TargetDefinition {
  name: string
  modes: readonly Mode[]
  create(mode: Mode, context: TargetContext): Promise<BenchCache>
}
