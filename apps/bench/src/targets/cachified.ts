import { type Cache, type CacheEntry, cachified } from '@epic-web/cachified'
import { Redis } from 'ioredis'
import { LRUCache } from 'lru-cache'
import { quiet } from './bare'
import type { TargetDefinition } from './types'

/**
 * @epic-web/cachified: read-through only (no plain get/set). Memory uses lru-cache as its cache;
 * tiered chains lru-cache and an ioredis JSON adapter, as its README suggests writing.
 */
export const cachifiedTarget: TargetDefinition = {
  name: 'cachified',
  modes: ['memory', 'tiered'],
  async create(mode, context) {
    const lru = new LRUCache<string, CacheEntry>({ max: context.l1Items })
    const redis = mode === 'tiered' ? quiet(new Redis(context.redisUrl)) : undefined
    const cache: Cache = redis
      ? {
          async get(key) {
            const hit = lru.get(key)
            if (hit !== undefined) return hit
            const raw = await redis.get(context.prefix + key)
            if (raw === null) return undefined
            const entry = JSON.parse(raw) as CacheEntry
            lru.set(key, entry)
            return entry
          },
          async set(key, entry) {
            lru.set(key, entry)
            await redis.set(context.prefix + key, JSON.stringify(entry), 'PX', 300_000)
          },
          async delete(key) {
            lru.delete(key)
            await redis.del(context.prefix + key)
          },
        }
      : lru
    const read = (key: string, loader: () => Promise<unknown>, ttlMs: number, forceFresh = false) =>
      cachified({ key, cache, getFreshValue: loader, ttl: ttlMs, forceFresh })
    return {
      get: (key) => read(key, async () => undefined, 300_000),
      set: (key, value, ttlMs) => read(key, async () => value, ttlMs, true),
      getOrSet: read,
      async close() {
        redis?.disconnect()
      },
    }
  },
}
