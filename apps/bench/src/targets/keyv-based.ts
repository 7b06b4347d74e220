import KeyvRedis from '@keyv/redis'
import { createCache } from 'cache-manager'
import { Cacheable, CacheableMemory } from 'cacheable'
import { Keyv } from 'keyv'
import type { Mode, TargetContext, TargetDefinition } from './types'

function keyvStores(mode: Mode, context: TargetContext) {
  const namespace = context.prefix.slice(0, -1)
  const memory =
    mode === 'l2' ? undefined : new Keyv({ store: new CacheableMemory({ lruSize: context.l1Items }) })
  const redis =
    mode === 'memory' ? undefined : new Keyv({ store: new KeyvRedis(context.redisUrl), namespace })
  return { memory, redis }
}

/** cache-manager 7 over Keyv: CacheableMemory for L1, @keyv/redis (node-redis) for L2. */
export const cacheManagerTarget: TargetDefinition = {
  name: 'cache-manager',
  modes: ['memory', 'l2', 'tiered'],
  async create(mode, context) {
    const { memory, redis } = keyvStores(mode, context)
    const cache = createCache({ stores: [memory, redis].filter((s) => s !== undefined) })
    return {
      get: (key) => cache.get(key),
      set: (key, value, ttlMs) => cache.set(key, value, ttlMs),
      getOrSet: (key, loader, ttlMs) => cache.wrap(key, loader, ttlMs),
      getMany: (keys) => cache.mget(keys),
      // No batch read-through: composed from mget and mset, as a user would.
      async getOrSetMany(keys, loader, ttlMs) {
        const values = await cache.mget(keys)
        const missing = keys.filter((_, i) => values[i] === undefined)
        if (missing.length === 0) return values
        const loaded = await loader(missing)
        await cache.mset(missing.map((key, j) => ({ key, value: loaded[j], ttl: ttlMs })))
        let j = 0
        return values.map((value) => (value === undefined ? loaded[j++] : value))
      },
      async close() {
        await cache.disconnect()
      },
    }
  },
}

/** cacheable: CacheableMemory primary, @keyv/redis secondary. */
export const cacheableTarget: TargetDefinition = {
  name: 'cacheable',
  modes: ['memory', 'l2', 'tiered'],
  async create(mode, context) {
    const { memory, redis } = keyvStores(mode, context)
    const cache =
      mode === 'l2'
        ? new Cacheable({ primary: redis! })
        : new Cacheable({ primary: memory!, ...(redis ? { secondary: redis } : {}) })
    return {
      get: (key) => cache.get(key),
      set: (key, value, ttlMs) => cache.set(key, value, ttlMs),
      getOrSet: (key, loader, ttlMs) => cache.getOrSet(key, loader, { ttl: ttlMs }),
      getMany: (keys) => cache.getMany(keys),
      // No batch read-through: composed from getMany and setMany, as a user would.
      async getOrSetMany(keys, loader, ttlMs) {
        const values = await cache.getMany(keys)
        const missing = keys.filter((_, i) => values[i] === undefined)
        if (missing.length === 0) return values
        const loaded = await loader(missing)
        await cache.setMany(missing.map((key, j) => ({ key, value: loaded[j], ttl: ttlMs })))
        let j = 0
        return values.map((value) => (value === undefined ? loaded[j++] : value))
      },
      async close() {
        await cache.disconnect()
      },
    }
  },
}
