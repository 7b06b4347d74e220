import { fflateCompressor } from '@cache/compression-fflate'
import { createCache, createCodec, type Store, type TieredCache } from '@cache/core'
import { memoryL1 } from '@cache/memory'
import { redisLock, redisStore } from '@cache/redis-ioredis'
import { OURS } from './names'
import type { TargetDefinition } from './types'

/** Our stack: `createCache` with `memoryL1` and, for Redis modes, `redisStore` (plus `redisLock`). */
export const oursTarget: TargetDefinition = {
  name: OURS,
  modes: ['memory', 'l2', 'tiered'],
  async create(mode, context) {
    const options = context.ours ?? {}
    // fflate at its default level above the default 1 KB threshold, as a user would enable it.
    const compressor = options.compression ? fflateCompressor() : undefined
    const trips = { reads: 0, writes: 0 }
    const redis = mode === 'memory' ? undefined : redisStore({ url: context.redisUrl })
    const store = redis && options.countRoundTrips ? countingStore(redis, trips) : redis
    const cache: TieredCache = await createCache({
      ...(mode === 'l2'
        ? {}
        : {
            l1: memoryL1({
              maxItems: context.l1Items,
              ...(options.l1Admission ? { admission: options.l1Admission } : {}),
            }),
          }),
      ...(store ? { store } : {}),
      ...(options.lock ? { lock: redisLock({ url: context.redisUrl }) } : {}),
      ...(compressor ? { codec: createCodec({ compressor }) } : {}),
      ...(options.commandTimeoutMs === undefined ? {} : { commandTimeout: options.commandTimeoutMs }),
      ...(options.breakerRecoveryMs === undefined
        ? {}
        : { circuitBreaker: { recovery: options.breakerRecoveryMs } }),
      // In memory nothing is shared, so the default namespace ('cache') serves, as in most apps; Redis
      // modes need the child's own prefix.
      ...(mode === 'memory' ? {} : { namespace: context.prefix.slice(0, -1) }),
    })
    return {
      get: (key) => cache.get(key),
      set: (key, value, ttlMs) => cache.set(key, value, { ttl: ttlMs }),
      getOrSet: (key, loader, ttlMs) => cache.getOrSet(key, loader, { ttl: ttlMs }),
      getMany: (keys) => cache.getMany(keys),
      getOrSetMany: (keys, loader, ttlMs) => cache.getOrSetMany(keys, loader, { ttl: ttlMs }),
      ...(options.countRoundTrips ? { roundTrips: () => ({ ...trips }) } : {}),
      l1Counts() {
        const { hits, misses } = cache.stats().tiers.l1
        return { hits, misses }
      },
      close: () => cache.close(),
    }
  },
}

/** Delegates to `inner`, counting its round trips (each call of the Store contract is one). */
function countingStore(inner: Store, trips: { reads: number; writes: number }): Store {
  return {
    name: inner.name,
    capabilities: inner.capabilities,
    get(key) {
      trips.reads++
      return inner.get(key)
    },
    getMany(keys) {
      trips.reads++
      return inner.getMany(keys)
    },
    set(key, value, ttlMs) {
      trips.writes++
      return inner.set(key, value, ttlMs)
    },
    setMany(entries) {
      trips.writes++
      return inner.setMany(entries)
    },
    delete: (key) => inner.delete(key),
    deleteMany: (keys) => inner.deleteMany(keys),
    clear: (prefix) => inner.clear(prefix),
    keys: (prefix) => inner.keys(prefix),
    ping: () => inner.ping(),
    close: () => inner.close(),
  }
}
