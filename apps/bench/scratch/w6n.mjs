import { crc32 } from 'node:zlib'
import { createCache, createCodec } from '@cache/core'
import { redisStore } from '@cache/redis-ioredis'

const n = Number(process.argv[2])
const kb = (id) => ({
  id,
  name: `User ${id}`,
  email: `user${id}@example.com`,
  roles: ['reader'],
  bio: 'lorem ipsum dolor sit amet '.repeat(30),
})
const keys = Array.from({ length: 100 }, (_, i) => `item:${i}`)
const cache = await createCache({
  store: redisStore({ url: 'redis://127.0.0.1:6379' }),
  codec: createCodec({ crc32 }),
  namespace: 'w6n',
  commandTimeout: 60_000,
  connectTimeout: 60_000,
  failOnConnectionError: true,
})
for (let i = 0; i < keys.length; i++) await cache.set(keys[i], kb(i), { ttl: 600000 })
for (let i = 0; i < n; i++) {
  const got = await cache.getMany(keys)
  if (got[5] === undefined) throw new Error('lost')
}
await cache.close()
