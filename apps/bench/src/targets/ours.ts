import { fflateCompressor } from '@cache/compression-fflate'
import { createCache, createCodec, type TieredCache } from '@cache/core'
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
    const cache: TieredCache = await createCache({
      ...(mode === 'l2' ? {} : { l1: memoryL1({ maxItems: context.l1Items }) }),
      ...(mode === 'memory' ? {} : { store: redisStore({ url: context.redisUrl }) }),
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
      l1Counts() {
        const { hits, misses } = cache.stats().tiers.l1
        return { hits, misses }
      },
      close: () => cache.close(),
    }
  },
}
