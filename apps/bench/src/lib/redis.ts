import { Redis, type RedisOptions } from 'ioredis'

/** Where the shared Redis runs; override with BENCH_REDIS_URL. */
export const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379'

/** A new ioredis client for the bench Redis. */
export function connectRedis(options: RedisOptions = {}): Redis {
  return new Redis(REDIS_URL, { lazyConnect: false, maxRetriesPerRequest: 2, ...options })
}

/** Deletes every key under `prefix` with SCAN + UNLINK (never KEYS, never FLUSH*). */
export async function deletePrefix(redis: Redis, prefix: string): Promise<number> {
  let cursor = '0'
  let deleted = 0
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000)
    cursor = next
    if (keys.length > 0) deleted += await redis.unlink(...keys)
  } while (cursor !== '0')
  return deleted
}

/** Sum of STRLEN over keys under `prefix` (the bytes Redis stores as values). */
export async function storedBytes(redis: Redis, prefix: string): Promise<{ keys: number; bytes: number }> {
  let cursor = '0'
  let keys = 0
  let bytes = 0
  do {
    const [next, found] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000)
    cursor = next
    if (found.length > 0) {
      const pipeline = redis.pipeline()
      for (const key of found) pipeline.strlen(key)
      for (const [error, length] of (await pipeline.exec()) ?? []) {
        if (!error) {
          keys++
          bytes += Number(length)
        }
      }
    }
  } while (cursor !== '0')
  return { keys, bytes }
}
