import { Redis } from 'ioredis'
import { LRUCache } from 'lru-cache'
import type { BenchCache, Mode, TargetContext, TargetDefinition } from './types'

/** Bare lru-cache; `getOrSet` is the get-then-set a user writes by hand. */
export const lruCacheTarget: TargetDefinition = {
  name: 'lru-cache',
  modes: ['memory'],
  async create(_mode, context) {
    const lru = new LRUCache<string, {}>({ max: context.l1Items })
    return {
      get: (key) => lru.get(key),
      set: (key, value, ttlMs) => lru.set(key, value as {}, { ttl: ttlMs }),
      async getOrSet(key, loader, ttlMs) {
        const hit = lru.get(key)
        if (hit !== undefined) return hit
        const value = (await loader()) as {}
        lru.set(key, value, { ttl: ttlMs })
        return value
      },
      async close() {},
    }
  },
}

/** Read-through as written by hand: get, and on a miss load and set. */
function getThenSet(
  get: (key: string) => Promise<unknown>,
  set: (key: string, value: unknown, ttlMs: number) => Promise<unknown>,
): BenchCache['getOrSet'] {
  return async (key, loader, ttlMs) => {
    const hit = await get(key)
    if (hit !== undefined) return hit
    const value = await loader()
    await set(key, value, ttlMs)
    return value
  }
}

/** Connection errors are expected in the outage workload; ioredis would log each one. */
export function quiet(redis: Redis): Redis {
  redis.on('error', () => {})
  return redis
}

function bareRedis(redis: Redis, prefix: string): BenchCache {
  const trips = { reads: 0, writes: 0 }
  const get = async (key: string) => {
    trips.reads++
    const raw = await redis.get(prefix + key)
    return raw === null ? undefined : JSON.parse(raw)
  }
  const set = (key: string, value: unknown, ttlMs: number) => {
    trips.writes++
    return redis.set(prefix + key, JSON.stringify(value), 'PX', ttlMs)
  }
  const getMany = async (keys: string[]) => {
    trips.reads++
    const raws = await redis.mget(keys.map((k) => prefix + k))
    return raws.map((raw) => (raw === null ? undefined : JSON.parse(raw)))
  }
  return {
    get,
    set,
    getOrSet: getThenSet(get, set),
    getMany,
    // The hand-written floor: MGET, one loader call for the misses, their SETs in one pipeline.
    async getOrSetMany(keys, loader, ttlMs) {
      const values = await getMany(keys)
      const missing: number[] = []
      values.forEach((value, i) => {
        if (value === undefined) missing.push(i)
      })
      if (missing.length === 0) return values
      const loaded = await loader(missing.map((i) => keys[i]!))
      const pipeline = redis.pipeline()
      missing.forEach((index, j) => {
        values[index] = loaded[j]
        pipeline.set(prefix + keys[index]!, JSON.stringify(loaded[j]), 'PX', ttlMs)
      })
      trips.writes++
      await pipeline.exec()
      return values
    },
    roundTrips: () => ({ ...trips }),
    async close() {
      redis.disconnect()
    },
  }
}

/** Bare ioredis with JSON, one connection, no auto-pipelining. */
export const ioredisTarget: TargetDefinition = {
  name: 'ioredis',
  modes: ['l2'],
  async create(_mode, context) {
    return bareRedis(quiet(new Redis(context.redisUrl)), context.prefix)
  },
}

/** Bare ioredis with `enableAutoPipelining`. */
export const ioredisAutoTarget: TargetDefinition = {
  name: 'ioredis (auto-pipelining)',
  modes: ['l2'],
  async create(_mode, context) {
    return bareRedis(quiet(new Redis(context.redisUrl, { enableAutoPipelining: true })), context.prefix)
  },
}

/** The floor: lru-cache in front of ioredis, as a user would write it in 30 lines. */
export const handRolledTarget: TargetDefinition = {
  name: 'hand-rolled lru+ioredis',
  modes: ['tiered'],
  async create(_mode: Mode, context: TargetContext) {
    const lru = new LRUCache<string, {}>({ max: context.l1Items })
    const redis = quiet(new Redis(context.redisUrl))
    let hits = 0
    let misses = 0
    const get = async (key: string) => {
      const hit = lru.get(key)
      if (hit !== undefined) {
        hits++
        return hit
      }
      misses++
      const raw = await redis.get(context.prefix + key)
      if (raw === null) return undefined
      const value = JSON.parse(raw)
      lru.set(key, value)
      return value
    }
    const set = async (key: string, value: unknown, ttlMs: number) => {
      await redis.set(context.prefix + key, JSON.stringify(value), 'PX', ttlMs)
      lru.set(key, value as {}, { ttl: ttlMs })
    }
    return {
      get,
      set,
      getOrSet: getThenSet(get, set),
      l1Counts: () => ({ hits, misses }),
      async close() {
        redis.disconnect()
      },
    }
  },
}
