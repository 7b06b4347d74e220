import { createCache, type TieredCache } from '@cache/core'
import { Redis } from 'ioredis'
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest'
import { redisStore } from '../src/index'
import { startTcpProxy, type TcpProxy } from './helpers/tcp-proxy'
import { uniquePrefix, waitFor } from './helpers/wait-for'
import { type CacheWorker, spawnWorker } from './helpers/worker'

// Two createCache instances in separate processes share the Redis at 6379 and a pub/sub bus.
const URL = 'redis://127.0.0.1:6379'
const namespace = uniquePrefix('coherence')
const channel = `${namespace}:bus`
const raw = new Redis(URL)
let busLink: TcpProxy
let a: CacheWorker
let b: CacheWorker
/** Writes into the shared Redis like a third instance with no bus: nobody is told. */
let silent: TieredCache

beforeAll(async () => {
  busLink = await startTcpProxy(7140)
  const common = { REDIS_URL: URL, NAMESPACE: namespace, CHANNEL: channel }
  ;[a, b] = await Promise.all([
    spawnWorker({ ...common, BUS_NAME: `${namespace}:bus-a` }),
    // B's bus goes through a proxy the test can cut; its store and lock talk to Redis directly.
    spawnWorker({ ...common, BUS_NAME: `${namespace}:bus-b`, BUS_URL: busLink.url }),
  ])
  silent = await createCache({ namespace, store: redisStore({ url: URL }) })
})

afterAll(async () => {
  a?.kill()
  b?.kill()
  await silent?.clear()
  await silent?.close()
  await busLink?.close()
  raw.disconnect()
})

afterEach(async () => {
  await busLink.restore()
})

describe('two processes sharing Redis and the bus', () => {
  test('a set or delete on one drops the stale L1 copy on the other promptly', async () => {
    // Seeded without a bus message, so no late invalidation can race with B filling its L1.
    await silent.set('k', 'v1')
    expect(await b.call('get', { key: 'k' })).toBe('v1')
    // B now holds v1 in L1 for minutes; only the bus can make it read v2.
    await silent.set('k', 'written-silently')
    expect(await b.call('get', { key: 'k' })).toBe('v1')

    const started = performance.now()
    await a.call('set', { key: 'k', value: 'v2' })
    await waitFor(async () => (await b.call('get', { key: 'k' })) === 'v2', 'B to see v2', 2_000)
    const setSeenMs = performance.now() - started

    await a.call('delete', { key: 'k' })
    await waitFor(async () => (await b.call('get', { key: 'k' })) === undefined, 'B to see the delete', 2_000)

    await silent.set('c1', 1)
    expect(await b.call('get', { key: 'c1' })).toBe(1)
    await silent.set('c1', 2)
    await a.call('clear')
    await waitFor(async () => (await b.call('get', { key: 'c1' })) === undefined, 'B to see the clear', 2_000)
    console.info(`coherence: B saw A's set after ${setSeenMs.toFixed(1)} ms`)
  })

  test('after its bus connection is cut, B clears its L1 on reconnect (messages were missed)', async () => {
    await silent.set('cut', 'before')
    expect(await b.call('get', { key: 'cut' })).toBe('before')
    await busLink.cut('refuse')
    await a.call('set', { key: 'cut', value: 'during' })
    // The invalidation was lost: B still serves its stale L1 copy while its bus is down.
    await new Promise((resolve) => setTimeout(resolve, 100))
    expect(await b.call('get', { key: 'cut' })).toBe('before')
    await busLink.restore()
    await waitFor(async () => (await b.call('get', { key: 'cut' })) === 'during', 'B to drop L1 on reconnect')
  })

  test('a subscriber connection killed on the server (CLIENT KILL) also clears L1 on reconnect', async () => {
    await a.call('set', { key: 'killed', value: 'old' })
    expect(await a.call('get', { key: 'killed' })).toBe('old')
    await silent.set('killed', 'new')
    expect(await a.call('get', { key: 'killed' })).toBe('old')
    const clients = String(await raw.client('LIST')).split('\n')
    const mine = clients.filter((line) => line.includes(` name=${namespace}:bus-a `))
    expect(mine).toHaveLength(1)
    const id = /\bid=(\d+)/.exec(mine[0]!)![1]!
    expect(await raw.client('KILL', 'ID', id)).toBe(1)
    await waitFor(async () => (await a.call('get', { key: 'killed' })) === 'new', 'A to drop L1 on reconnect')
  })

  test('two processes x 500 concurrent cold getOrSet with the lock run the loader once in total', async () => {
    for (const round of [1, 2, 3]) {
      const key = `stampede-${round}`
      const [ra, rb] = await Promise.all([
        a.call<{ loads: number; distinct: string[] }>('stampede', { key, count: 500, loaderMs: 20 }),
        b.call<{ loads: number; distinct: string[] }>('stampede', { key, count: 500, loaderMs: 20 }),
      ])
      expect(ra.loads + rb.loads).toBe(1)
      expect(Number(await raw.get(`${namespace}:loader-runs:${key}`))).toBe(1)
      // All 1000 callers got the one loaded value.
      expect(ra.distinct).toHaveLength(1)
      expect(rb.distinct).toEqual(ra.distinct)
    }
    await raw.del(...[1, 2, 3].map((round) => `${namespace}:loader-runs:stampede-${round}`))
  })

  test('both processes exit by themselves after close (no open handles)', async () => {
    expect(await a.close()).toBe(0)
    expect(await b.close()).toBe(0)
  })
})
