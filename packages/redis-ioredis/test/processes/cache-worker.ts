// A cache instance in its own process, driven by the parent test over IPC. It exits by itself after
// `close`, which is how the tests prove that store, bus and lock leave no open handles.
import { createCache } from '@cache/core'
import { memoryL1 } from '@cache/memory'
import { Redis } from 'ioredis'
import { redisBus, redisLock, redisStore } from '../../src/index'

const env = process.env
const redisUrl = env.REDIS_URL!
const counter = new Redis(redisUrl)
const cache = await createCache({
  namespace: env.NAMESPACE!,
  store: redisStore({ url: redisUrl }),
  l1: memoryL1(),
  bus: redisBus({ url: env.BUS_URL ?? redisUrl }, { channel: env.CHANNEL!, connectionName: env.BUS_NAME! }),
  lock: redisLock({ url: redisUrl }),
})

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

type Request = { id: number; op: string; key?: string; value?: unknown; count?: number; loaderMs?: number }

async function handle(request: Request): Promise<unknown> {
  const { op, key = '' } = request
  switch (op) {
    case 'get':
      return cache.get(key)
    case 'set':
      return cache.set(key, request.value)
    case 'delete':
      return cache.delete(key)
    case 'clear':
      return cache.clear()
    case 'stats':
      return cache.stats()
    case 'stampede': {
      // `count` concurrent cold getOrSet calls; the loader counts its runs in Redis and locally.
      let loads = 0
      const results = await Promise.all(
        Array.from({ length: request.count! }, () =>
          cache.getOrSet(key, async () => {
            loads++
            await counter.incr(`${env.NAMESPACE}:loader-runs:${key}`)
            await sleep(request.loaderMs!)
            return { loadedBy: process.pid }
          }),
        ),
      )
      return { loads, distinct: [...new Set(results.map((r) => JSON.stringify(r)))] }
    }
    default:
      throw new Error(`unknown op ${op}`)
  }
}

process.on('message', (request: Request) => {
  if (request.op === 'close') {
    void cache.close().then(() => {
      counter.disconnect()
      process.disconnect()
    })
    return
  }
  handle(request).then(
    (result) => process.send?.({ id: request.id, result }),
    (error: Error) => process.send?.({ id: request.id, error: error.message }),
  )
})
process.send?.({ ready: true })
