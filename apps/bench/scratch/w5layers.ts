import { crc32 } from 'node:zlib'
import { createCache, createCodec } from '@cache/core'
import { redisStore } from '@cache/redis-ioredis'
import { Redis } from 'ioredis'
import { llmResponse } from '../src/lib/values'

const conc = Number(process.argv[2] ?? 10)
const values = Array.from({ length: 50 }, (_, i) => llmResponse(100_000, i + 1))
const r = new Redis({ host: '127.0.0.1', port: 6379 })
const store = redisStore({ url: 'redis://127.0.0.1:6379' })
const cache = await createCache({
  store: redisStore({ url: 'redis://127.0.0.1:6379' }),
  codec: createCodec({ crc32 }),
  namespace: 'w5l',
})
for (let i = 0; i < 50; i++) {
  await r.set(`w5l:bare:${i}`, JSON.stringify(values[i]))
  await cache.set(`k${i}`, values[i])
}
const variants: Record<string, (i: number) => Promise<unknown>> = {
  'bare get+parse': async (i) => JSON.parse((await r.get(`w5l:bare:${i}`))!),
  'bare getBuffer': (i) => r.getBuffer(`w5l:bare:${i}`),
  'bare get (string)': (i) => r.get(`w5l:bare:${i}`),
  'store.get raw': (i) => store.get(`w5l:k${i}`),
  'cache.get': (i) => cache.get(`k${i}`),
}
async function run(f: (i: number) => Promise<unknown>, ms: number) {
  let n = 0
  const end = performance.now() + ms
  await Promise.all(
    Array.from({ length: conc }, async () => {
      while (performance.now() < end) {
        const k = (n++ * 7919) % 50
        await f(k)
      }
    }),
  )
  return n
}
for (let rep = 0; rep < 2; rep++)
  for (const [name, f] of Object.entries(variants).filter(
    ([n]) => !process.argv[3] || n === process.argv[3],
  )) {
    await run(f, 300)
    const c0 = process.cpuUsage()
    const n = await run(f, 1500)
    const c = process.cpuUsage(c0)
    console.log(
      name.padEnd(20),
      ((c.user + c.system) / n).toFixed(1),
      'µs/op',
      (c.user / n).toFixed(1),
      'user',
    )
  }
await cache.close()
await store.close()
r.disconnect()
