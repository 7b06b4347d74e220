import { crc32 } from 'node:zlib'
import { createCache, createCodec } from '@cache/core'
import { redisStore } from '@cache/redis-ioredis'
import { Redis } from 'ioredis'
import { llmResponse } from '../src/lib/values'

const which = process.argv[2] ?? 'ours'
const mode = process.argv[3] ?? 'mix'
const values = Array.from({ length: 50 }, (_, i) => llmResponse(100_000, i + 1))
const keys = values.map((_, i) => `w5p:${which}:${i}`)
let get: (k: string) => Promise<unknown>,
  set: (k: string, v: unknown) => Promise<unknown>,
  close: () => Promise<unknown>
if (which === 'bare') {
  const r = new Redis({ host: '127.0.0.1', port: 6379 })
  get = async (k) => {
    const raw = await r.get(k)
    return raw === null ? undefined : JSON.parse(raw)
  }
  set = (k, v) => r.set(k, JSON.stringify(v), 'PX', 600000)
  close = async () => r.disconnect()
} else {
  const cache = await createCache({
    store: redisStore({ url: 'redis://127.0.0.1:6379' }),
    codec: createCodec({ crc32 }),
    namespace: 'w5p',
  })
  get = (k) => cache.get(k)
  set = (k, v) => cache.set(k, v, { ttl: 600000 })
  close = () => cache.close()
}
for (let i = 0; i < keys.length; i++) await set(keys[i]!, values[i])
async function run(ms: number) {
  let n = 0
  const end = performance.now() + ms
  await Promise.all(
    Array.from({ length: 10 }, async () => {
      while (performance.now() < end) {
        const k = (n * 7919) % 50
        if (mode === 'get' || (mode === 'mix' && n % 5 !== 0)) {
          n++
          if ((await get(keys[k]!)) === undefined) throw new Error('lost')
        } else {
          n++
          await set(keys[k]!, values[k])
        }
      }
    }),
  )
  return n
}
await run(500)
const c0 = process.cpuUsage()
const t0 = performance.now()
const n = await run(3000)
const c = process.cpuUsage(c0)
const wall = performance.now() - t0
console.log(
  `${which} ${mode}: ${((n / wall) * 1000).toFixed(0)} ops/s, ${((c.user + c.system) / n).toFixed(1)} CPU µs/op (user ${(c.user / n).toFixed(1)} sys ${(c.system / n).toFixed(1)})`,
)
await close()
