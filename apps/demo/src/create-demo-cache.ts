import { createCache, type TieredCache } from '@cache/core'
import { memoryL1 } from '@cache/memory'

/** Builds the demo's cache from the environment: in memory by default. */
export async function createDemoCache(env: Record<string, string | undefined>): Promise<TieredCache> {
  return createCache({
    l1: memoryL1({ maxItems: 10_000 }),
    namespace: env.CACHE_NAMESPACE ?? 'demo',
    defaultTtl: '5m',
  })
}
