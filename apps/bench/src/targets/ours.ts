import { createCache, type TieredCache } from '@cache/core'
import { memoryL1 } from '@cache/memory'
import { OURS } from './names'
import type { TargetDefinition } from './types'

/** Our stack: `createCache` with `memoryL1` and, for Redis modes, the ioredis store. */
export const oursTarget: TargetDefinition = {
  name: OURS,
  modes: ['memory', 'l2', 'tiered'],
  async create(mode, context) {
    if (mode !== 'memory') throw new Error('the Redis store has not landed yet')
    const cache: TieredCache = await createCache({
      l1: memoryL1({ maxItems: context.l1Items }),
      namespace: context.prefix.slice(0, -1),
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
