import { crc32 } from 'node:zlib'
import { createCache, createCodec } from '@cache/core'
import { redisStore } from '@cache/redis-ioredis'
import { Redis } from 'ioredis'

const which = process.argv[2]
const kb = (id) => ({
  id,
  name: `User ${id}`,
  email: `user${id}@example.com`,
  active: id % 3 !== 0,
  roles: ['reader', id % 2 === 0 ? 'writer' : 'guest'],
  address: { street: `${id} Long Street`, city: 'Springfield', zip: `${10000 + (id % 89999)}` },
  scores: [id % 7, id % 11, id % 13, id % 17, id % 19],
  createdAt: '2026-01-01T00:00:00.000Z',
  bio: 'lorem ipsum dolor sit amet consectetur adipiscing elit '.repeat(14).slice(0, 720),
})
const keys = Array.from({ length: 1000 }, (_, i) => `item:${i}`)
const values = keys.map((_, i) => kb(i))
let getMany, set, close
if (which === 'bare') {
  const r = new Redis({ host: '127.0.0.1', port: 6379 })
  getMany = async (ks) =>
    (await r.mget(ks.map((k) => 'w6c:' + k))).map((raw) => (raw === null ? undefined : JSON.parse(raw)))
  set = (k, v) => r.set('w6c:' + k, JSON.stringify(v), 'PX', 600000)
  close = async () => r.disconnect()
} else {
  const cache = await createCache({
    store: redisStore({ url: 'redis://127.0.0.1:6379' }),
    codec: createCodec({ crc32 }),
    namespace: 'w6o',
  })
  getMany = (ks) => cache.getMany(ks)
  set = (k, v) => cache.set(k, v, { ttl: 600000 })
  close = () => cache.close()
}
for (let i = 0; i < keys.length; i++) await set(keys[i], values[i])
let n = 0
async function run(ms) {
  const end = performance.now() + ms
  let ops = 0
  await Promise.all(
    Array.from({ length: 10 }, async () => {
      while (performance.now() < end) {
        const s = (n++ * 100) % 900
        const got = await getMany(keys.slice(s, s + 100))
        if (got[0] === undefined) throw new Error('lost')
        ops++
      }
    }),
  )
  return ops
}
await run(500)
const out = []
for (let r = 0; r < 3; r++) {
  const c0 = process.cpuUsage()
  const ops = await run(1000)
  const c = process.cpuUsage(c0)
  out.push(((c.user + c.system) / ops).toFixed(0))
}
console.log(which, out.join(' '), 'CPU µs/batch')
await close()
