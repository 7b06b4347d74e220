import { storeConformance, text } from '@cache/conformance'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { redisStore } from '../src/index'
import { type RedisServer, startRedisSentinel, startRedisServer } from './helpers/redis-process'

// A master and one Sentinel, on free ports of this package's test range (7000-7099).
const MASTER_NAME = 'cache-test-master'

let master: RedisServer | undefined
let sentinel: RedisServer | undefined
let client: Redis

beforeAll(async () => {
  master = await startRedisServer()
  sentinel = await startRedisSentinel(master.port, MASTER_NAME)
  // The client asks the Sentinel where the master is; the store never sees the difference.
  client = new Redis({ sentinels: [{ host: '127.0.0.1', port: sentinel.port }], name: MASTER_NAME })
  await client.ping()
}, 60_000)

afterAll(async () => {
  await client?.quit().catch(() => client.disconnect())
  await sentinel?.stop()
  await master?.stop()
})

storeConformance('redisStore (Sentinel)', () => redisStore({ client }), { keyCount: 2_000 })

it('writes through the Sentinel-resolved client land on the monitored master', async () => {
  const store = redisStore({ client })
  await store.set('sentinel:probe', text('here'), 60_000)
  const direct = new Redis({ host: '127.0.0.1', port: master!.port })
  try {
    expect(await direct.get('sentinel:probe')).toBe('here')
  } finally {
    await direct.quit()
  }
  await store.close()
  expect(client.status).toBe('ready')
})
