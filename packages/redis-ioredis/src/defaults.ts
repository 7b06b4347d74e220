/** Defaults of the ioredis client this package creates from a URL (a caller's client is used as is). */
export const CONNECTION_DEFAULTS = {
  /** How long one connection attempt may take before it is abandoned. @default 1000 ms */
  connectTimeoutMs: 1000,
  /** Upper bound of the exponential reconnect backoff; reconnecting itself never stops. @default 2000 ms */
  reconnectMaxDelayMs: 2000,
  /** Reconnect attempts a sent command survives; 0 fails in-flight commands as soon as the link drops. @default 0 */
  maxRetriesPerRequest: 0,
  /** A socket with pending commands and no data for this long is treated as dead (half-open link). @default 5000 ms */
  socketTimeoutMs: 5000,
  /** RESP version; see `connection.ts` for why the store speaks RESP2. @default 2 */
  protocol: 2,
} as const

/** Defaults of `redisStore`. */
export const STORE_DEFAULTS = {
  /** The store's name in errors, stats and health. @default 'redis' */
  name: 'redis',
  /** `COUNT` hint of each `SCAN` step in `keys` and `clear`. @default 500 keys */
  scanCount: 500,
  /** Most keys sent in one `UNLINK` by `clear`. @default 500 keys */
  deleteBatchSize: 500,
  /** How `setMany` writes a batch: one `EVAL` of a `SET` script, or a pipeline of `SET`s. @default 'script' */
  batchWrites: 'script' as 'script' | 'pipeline',
} as const

/** Defaults of `redisBus`. */
export const BUS_DEFAULTS = {
  /** @default 'cache:invalidation' */
  channel: 'cache:invalidation',
  /** @default 'cache-bus' (CLIENT SETNAME of the subscriber connection, visible in CLIENT LIST) */
  connectionName: 'cache-bus',
  /** @default 1000 ms to wait for the first subscription before `subscribe` rejects */
  subscribeTimeoutMs: 1_000,
  /** @default 5000 ms between PINGs on the subscriber; one left unanswered that long forces a reconnect */
  healthCheckIntervalMs: 5_000,
} as const

/** Defaults of `redisTrackingBus`. */
export const TRACKING_BUS_DEFAULTS = {
  /** @default 'cache-tracking' (CLIENT SETNAME of the tracking connection) */
  connectionName: 'cache-tracking',
  /** @default 1000 ms to wait for tracking to be on before `subscribe` rejects */
  subscribeTimeoutMs: 1_000,
  /** @default 5000 ms between PINGs on the tracking connection */
  healthCheckIntervalMs: 5_000,
} as const

/** Defaults of `redisLock`. */
export const LOCK_DEFAULTS = {
  /** @default true: releases are announced on a channel and waiters listen on one extra connection */
  wakeOnRelease: true,
  /** @default 'cache:lock:released' */
  channel: 'cache:lock:released',
  /** @default 'cache-lock' (CLIENT SETNAME of the subscriber connection) */
  connectionName: 'cache-lock',
  /** @default 5000 ms between PINGs on the subscriber; one left unanswered that long forces a reconnect */
  healthCheckIntervalMs: 5_000,
} as const
