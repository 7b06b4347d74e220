/** Defaults of `createCodec`. */
export const CODEC_DEFAULTS = {
  /** @default 1024 bytes */
  compressionThreshold: 1024,
  /** @default 64 MiB */
  maxDecompressedBytes: 64 * 1024 * 1024,
} as const

/** Defaults of `createCache`. */
export const CACHE_DEFAULTS = {
  /** @default 'cache' */
  namespace: 'cache',
  /** @default 5 minutes */
  defaultTtlMs: 5 * 60_000,
  /** @default 1024 bytes (UTF-8) */
  maxKeyBytes: 1024,
  /** @default 4 MiB of serialized value */
  maxEntryBytes: 4 * 1024 * 1024,
  /** @default 300 ms for each L2 command */
  commandTimeoutMs: 300,
  /** @default 1000 ms to reach L2 when the cache starts */
  connectTimeoutMs: 1_000,
  /** @default 5 consecutive L2 failures open the circuit */
  breakerFailureThreshold: 5,
  /** @default 30 s before a half-open probe */
  breakerRecoveryMs: 30_000,
  /** @default 0: no fail-safe window past expiry */
  graceMs: 0,
  /** @default 10000 writes kept for replay after an L2 outage */
  maxPendingWrites: 10_000,
  /** @default 5 s a cross-process lock is held at most */
  lockTtlMs: 5_000,
  /** @default 10 s a caller waits for another process's loader before loading itself */
  lockWaitMs: 10_000,
} as const
