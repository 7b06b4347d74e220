import { BentoCache, bentostore } from 'bentocache'
import { memoryDriver } from 'bentocache/drivers/memory'
import { redisDriver } from 'bentocache/drivers/redis'
import { Redis } from 'ioredis'
import { quiet } from './bare'
import type { TargetDefinition } from './types'

/** bentocache with its default options (its memory driver serializes entries). */
export const bentocacheTarget: TargetDefinition = {
  name: 'bentocache',
  modes: ['memory', 'l2', 'tiered'],
  async create(mode, context) {
    const redis = mode === 'memory' ? undefined : quiet(new Redis(context.redisUrl))
    let store = bentostore()
    if (mode !== 'l2') store = store.useL1Layer(memoryDriver({ maxItems: context.l1Items }))
    if (redis) store = store.useL2Layer(redisDriver({ connection: redis }))
    // As for every target, memory mode keeps the library's default key prefix (nothing is shared).
    const bento = new BentoCache({
      default: 'bench',
      ...(mode === 'memory' ? {} : { prefix: context.prefix.slice(0, -1) }),
      stores: { bench: store },
    })
    return {
      get: (key) => bento.get({ key }),
      set: (key, value, ttlMs) => bento.set({ key, value, ttl: ttlMs }),
      getOrSet: (key, loader, ttlMs) => bento.getOrSet({ key, factory: loader, ttl: ttlMs }),
      async close() {
        await bento.disconnectAll()
        redis?.disconnect()
      },
    }
  },
}
