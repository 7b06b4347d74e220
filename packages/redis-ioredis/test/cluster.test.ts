import { cacheConformance, randomPrefix, storeConformance, text } from '@cache/conformance'
import { memoryL1 } from '@cache/memory'
import { Cluster } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { keySlot, redisBus, redisLock, redisStore, redisTrackingBus } from '../src/index'
import { type RedisCluster, startRedisCluster } from './helpers/redis-cluster'
import { waitFor } from './helpers/wait-for'

// Three masters (and their cluster bus) on free ports of this package's test range, 7000-7099.
const MASTERS = 3

let redis: RedisCluster | undefined
let client: Cluster

beforeAll(async () => {
  redis = await startRedisCluster(MASTERS)
  client = new Cluster([{ host: '127.0.0.1', port: redis.ports[0]! }])
  await client.ping()
  expect(client.nodes('master')).toHaveLength(MASTERS)
}, 90_000)

afterAll(async () => {
  await client?.quit().catch(() => client.disconnect())
  await redis?.stop()
})

// The caller owns the Cluster client: every store built on it leaves it open when closed.
storeConformance('redisStore (Cluster, 3 masters)', () => redisStore({ client }))

cacheConformance('redisStore (Cluster, 3 masters)', () => redisStore({ client }), {
  makeL1: () => memoryL1(),
})

describe('Cluster specifics', () => {
  it('refuses a Cluster client with keyPrefix (slots would be computed without it) or enableAutoPipelining', () => {
    const nodes = [{ host: '127.0.0.1', port: redis!.ports[0]! }]
    for (const [options, name] of [
      [{ keyPrefix: 'kp:' }, 'keyPrefix'],
      [{ redisOptions: { keyPrefix: 'kp:' } }, 'keyPrefix'],
      [{ enableAutoPipelining: true }, 'enableAutoPipelining'],
    ] as const) {
      const prefixed = new Cluster(nodes, { lazyConnect: true, ...options })
      try {
        expect(() => redisStore({ client: prefixed })).toThrow(
          expect.objectContaining({ code: 'INVALID_OPTION', message: expect.stringContaining(name) }),
        )
      } finally {
        prefixed.disconnect()
      }
    }
  })

  it('sends no MGET on Cluster: a busy tick of GETs across slots reads right', async () => {
    const store = redisStore({ client })
    const p = randomPrefix()
    const keys = Array.from({ length: 100 }, (_, i) => `${p}${i}`)
    await store.setMany(keys.map((key, i) => ({ key, value: text(`v${i}`) })))
    const mgets = async () => {
      let total = 0
      for (const node of client.nodes('master')) {
        const info = await node.info('commandstats')
        total += Number(info.match(/cmdstat_mget:calls=(\d+)/)?.[1] ?? 0)
      }
      return total
    }
    const before = await mgets()
    await new Promise((resolve) => setTimeout(resolve, 5))
    const values = await Promise.all(keys.map((key) => store.get(key)))
    expect(values).toEqual(keys.map((_, i) => text(`v${i}`)))
    expect(await mgets()).toBe(before)
    await store.clear(p)
    await store.close()
  })

  const keysPerMaster = async (prefix: string) =>
    Promise.all(
      client.nodes('master').map(async (node) => {
        const [, found] = await node.scan('0', 'MATCH', `${prefix}*`, 'COUNT', 10_000)
        return found.length
      }),
    )

  it('spreads a batch over every master and reads, lists and clears it across slots', async () => {
    const store = redisStore({ client })
    const p = randomPrefix()
    const keys = Array.from({ length: 300 }, (_, i) => `${p}k${i}`)
    await store.setMany(keys.map((key, i) => ({ key, value: text(String(i)), ttlMs: 60_000 })))
    const counts = await keysPerMaster(p)
    expect(counts.every((count) => count > 0)).toBe(true)
    expect(counts.reduce((a, b) => a + b, 0)).toBe(keys.length)
    expect(await store.getMany(keys)).toEqual(keys.map((_, i) => text(String(i))))
    const listed = new Set<string>()
    for await (const key of store.keys(p)) listed.add(key)
    expect(listed).toEqual(new Set(keys))
    await store.clear(p)
    expect(await keysPerMaster(p)).toEqual([0, 0, 0])
    await store.close()
  })

  it('writes a batch of one slot (hash tag) through the script, more than one call of it, with expiries', async () => {
    const store = redisStore({ client })
    const p = randomPrefix()
    const keys = Array.from({ length: 300 }, (_, i) => `${p}{batch}:${i}`)
    await store.setMany(
      keys.map((key, i) => ({ key, value: text(String(i)), ttlMs: i % 2 ? 60_000 : undefined })),
    )
    expect(await store.getMany(keys)).toEqual(keys.map((_, i) => text(String(i))))
    expect(await client.pttl(keys[1]!)).toBeGreaterThan(0)
    expect(await client.pttl(keys[0]!)).toBe(-1)
    await store.clear(p)
    await store.close()
  })

  it('deleteMany counts removals across slots and hash-tagged keys share one slot', async () => {
    const store = redisStore({ client })
    const p = randomPrefix()
    const tagged = [`${p}{user:1}:a`, `${p}{user:1}:b`]
    const spread = Array.from({ length: 20 }, (_, i) => `${p}d${i}`)
    await store.setMany([...tagged, ...spread].map((key) => ({ key, value: text('v') })))
    expect(await store.deleteMany([...tagged, ...spread, `${p}absent`])).toBe(22)
    await store.close()
  })

  it('closing a store leaves the caller’s Cluster client open', async () => {
    const store = redisStore({ client })
    await store.close()
    expect(client.status).toBe('ready')
    expect(await client.ping()).toBe('PONG')
  })
})

describe('a Cluster client that has not loaded its slot map yet', () => {
  it('keys() and clear() wait for the masters instead of scanning none', async () => {
    const fresh = new Cluster([{ host: '127.0.0.1', port: redis!.ports[1]! }])
    try {
      const seed = redisStore({ client })
      const p = randomPrefix()
      await seed.setMany(Array.from({ length: 30 }, (_, i) => ({ key: `${p}${i}`, value: text('x') })))
      const store = redisStore({ client: fresh })
      const listed: string[] = []
      for await (const key of store.keys(p)) listed.push(key)
      expect(listed).toHaveLength(30)
      await store.clear(p)
      expect(await seed.getMany([`${p}0`, `${p}29`])).toEqual([undefined, undefined])
    } finally {
      await fresh.quit()
    }
  })
})

describe('keySlot', () => {
  it('agrees with CLUSTER KEYSLOT, hash tags and non-UTF-8 keys included', async () => {
    const keys: (string | Buffer)[] = [
      '',
      'a',
      'user:1000',
      '{user:1}:profile',
      'x{user:1}y',
      '{}empty-tag',
      '{a}{b}',
      'open{only',
      'café 東京 🙂',
      `${randomPrefix()}k`,
      Buffer.from([0xff, 0xfe, 0x7b, 0x01, 0x7d]),
    ]
    for (const key of keys) {
      const expected = Number(await client.call('CLUSTER', 'KEYSLOT', key))
      expect(keySlot(typeof key === 'string' ? key : new Uint8Array(key))).toBe(expected)
    }
  })
})

describe('bus and lock on a Cluster client', () => {
  it('delivers invalidations between two buses and leaves the caller’s client open', async () => {
    const channel = `${randomPrefix()}bus`
    const sender = redisBus({ client }, { channel })
    const listener = redisBus({ client }, { channel })
    try {
      const received: unknown[] = []
      await listener.subscribe((message) => received.push(message))
      await sender.publish({ kind: 'keys', origin: 'a', keys: ['k1'] })
      const deadline = Date.now() + 5_000
      while (received.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10))
      expect(received).toEqual([{ kind: 'keys', origin: 'a', keys: ['k1'] }])
    } finally {
      await sender.close()
      await listener.close()
    }
    expect(await client.ping()).toBe('PONG')
  })

  it('the tracking bus refuses a Cluster client (tracking is per node)', () => {
    expect(() => redisTrackingBus({ client }, { prefixes: ['x:'] })).toThrow(/Cluster/)
    expect(client.status).toBe('ready')
  })

  it('locks keys on every master with compare-and-delete release', async () => {
    const lock = redisLock({ client })
    const p = randomPrefix()
    const keys = Array.from({ length: 12 }, (_, i) => `${p}lock-${i}`)
    const releases = await Promise.all(keys.map((key) => lock.acquire(key, 5_000)))
    expect(releases.every((release) => typeof release === 'function')).toBe(true)
    expect(await lock.acquire(keys[0]!, 5_000)).toBeUndefined()
    expect(await Promise.all(releases.map((release) => release!()))).toEqual(keys.map(() => true))
    const again = await lock.acquire(keys[0]!, 5_000)
    expect(await again!()).toBe(true)
    await lock.close()
    expect(client.status).toBe('ready')
  })

  it('wakes a waiter on release whichever master holds the lock key', async () => {
    const channel = `${randomPrefix()}released`
    const [holder, waiter] = [redisLock({ client }, { channel }), redisLock({ client }, { channel })]
    try {
      await waitFor(() => holder.listening && waiter.listening, 'both subscribers')
      const p = randomPrefix()
      for (const key of Array.from({ length: 6 }, (_, i) => `${p}wake-${i}`)) {
        const release = await holder.acquire(key, 5_000)
        const waiting = waiter.waitForRelease(key, 60_000)
        expect(await release!()).toBe(true)
        expect(await waiting).toBe(true)
      }
    } finally {
      await Promise.all([holder.close(), waiter.close()])
    }
    expect(client.status).toBe('ready')
  })
})
