export type { RedisClient, RedisClientConnection, RedisConnection, RedisUrlConnection } from './connection'
export { backoffMs, ConnectionHandle, openConnection, parseRedisUrl } from './connection'
export {
  BUS_DEFAULTS,
  CONNECTION_DEFAULTS,
  LOCK_DEFAULTS,
  STORE_DEFAULTS,
  TRACKING_BUS_DEFAULTS,
} from './defaults'
export { keySlot } from './key-slot'
export { MAX_TTL_MS } from './option-checks'
export type { RedisBusOptions } from './redis-bus'
export { RedisBus, redisBus } from './redis-bus'
export { classifyRedisError, redact, toInfrastructureError } from './redis-errors'
export type { RedisLockOptions } from './redis-lock'
export { RedisLock, redisLock } from './redis-lock'
export type { RedisStoreOptions } from './redis-store'
export { matchPattern, RedisStore, redisStore } from './redis-store'
export type { RedisTrackingBusOptions } from './redis-tracking-bus'
export { RedisTrackingBus, redisTrackingBus } from './redis-tracking-bus'
