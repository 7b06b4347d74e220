import { createCache, type Duration, type TieredCache } from '@cache/core'
import { memoryL1 } from '@cache/memory'
import { redisBus, redisLock, redisStore } from '@cache/redis-ioredis'

/**
 * Builds the demo's cache from the environment: in memory by default; with `REDIS_URL`, L1 in front
 * of Redis, with the pub/sub bus (coherent instances) and the lock (single-flight across instances).
 */
export async function createDemoCache(env: Record<string, string | undefined>): Promise<TieredCache> {
  const namespace = env.CACHE_NAMESPACE ?? 'demo'
  const l1 = memoryL1({ maxItems: 10_000 })
  const url = env.REDIS_URL
  if (!url) return createCache({ l1, namespace, defaultTtl: '5m' })
  return createCache({
    l1,
    namespace,
    defaultTtl: '5m',
    store: redisStore({ url }),
    bus: redisBus({ url }, { channel: `${namespace}:invalidation` }),
    lock: redisLock({ url }),
    // A demo should come back quickly once Redis returns; the library default is 30 s.
    circuitBreaker: { recovery: (env.CACHE_CIRCUIT_RECOVERY ?? '5s') as Duration },
  })
}

/** Which tiers the demo runs on, for the start-up line (never the URL: it may hold a password). */
export function describeDemoMode(env: Record<string, string | undefined>): string {
  return env.REDIS_URL ? 'L1 + Redis + pub/sub bus + lock' : 'in memory'
}
