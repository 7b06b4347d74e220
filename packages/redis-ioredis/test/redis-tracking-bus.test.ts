import { type Bus, createCache, type TieredCache, ValidationError } from '@cache/core'
import { memoryL1 } from '@cache/memory'
import { Redis } from 'ioredis'
import { afterEach, describe, expect, test } from 'vitest'
import { redisBus, redisStore, redisTrackingBus } from '../src/index'
import { REDIS_URL } from './helpers/redis-url'
import { startTcpProxy } from './helpers/tcp-proxy'
import { uniquePrefix, waitFor } from './helpers/wait-for'

const cleanups: (() => Promise<unknown> | unknown)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

async function cacheWith(namespace: string, bus: Bus): Promise<TieredCache> {
  const cache = await createCache({ namespace, store: redisStore({ url: REDIS_URL }), l1: memoryL1(), bus })
  cleanups.push(() => cache.close())
  return cache
}

/** Two caches sharing Redis, each with its own tracking bus on the namespace prefix. */
async function pair(name: string, busUrl = REDIS_URL) {
  const namespace = uniquePrefix(name)
  const a = await cacheWith(namespace, redisTrackingBus({ url: REDIS_URL }, { prefixes: [`${namespace}:`] }))
  const b = await cacheWith(namespace, redisTrackingBus({ url: busUrl }, { prefixes: [`${namespace}:`] }))
  cleanups.push(() => a.clear())
  return { namespace, a, b }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** True when `cache` answers `key` with `value` from L1. */
async function l1Hit(cache: TieredCache, key: string, value: unknown): Promise<boolean> {
  const hitsBefore = cache.stats().tiers.l1.hits
  const read = await cache.get(key)
  return read === value && cache.stats().tiers.l1.hits > hitsBefore
}

/**
 * Reads `key` until the cache answers it from L1 twice in a row 50 ms apart, so a late invalidation
 * of the write that put it there cannot drop it afterwards.
 */
async function cachedInL1(cache: TieredCache, key: string, value: unknown) {
  for (;;) {
    await sleep(20)
    if (!(await l1Hit(cache, key, value))) continue
    await sleep(50)
    if (await l1Hit(cache, key, value)) return
  }
}

/** Polls without a timer granularity, so the measured delay is the invalidation's, not the poll's. */
async function pollUntil(check: () => Promise<boolean>) {
  const deadline = performance.now() + 5_000
  while (!(await check())) {
    if (performance.now() > deadline) throw new Error('Timed out polling')
    await new Promise((resolve) => setImmediate(resolve))
  }
}

const percentile = (values: number[], p: number) =>
  [...values].sort((x, y) => x - y)[Math.min(values.length - 1, Math.floor((values.length * p) / 100))]!

describe('redisTrackingBus (CLIENT TRACKING BCAST PREFIX)', () => {
  test('a set or delete on one instance drops the stale L1 copy on the other', async () => {
    const { a, b } = await pair('track-basic')
    await a.set('k', 'v1')
    await waitFor(async () => (await b.get('k')) === 'v1', 'B to read v1')
    await a.set('k', 'v2')
    await waitFor(async () => (await b.get('k')) === 'v2', 'B to see v2')
    await a.delete('k')
    await waitFor(async () => (await b.get('k')) === undefined, 'B to see the delete')
  })

  test('also sees writes made outside the cache, which a pub/sub bus cannot', async () => {
    const { namespace, a, b } = await pair('track-foreign')
    await a.set('k', 'cached')
    await waitFor(async () => (await b.get('k')) === 'cached', 'B to cache k')
    const raw = new Redis(REDIS_URL)
    cleanups.push(() => raw.disconnect())
    await raw.unlink(`${namespace}:k`)
    await waitFor(async () => (await b.get('k')) === undefined, 'B to drop k after a raw UNLINK')
  })

  test('turns tracking on again after a reconnect and resets L1', async () => {
    const link = await startTcpProxy(7170)
    cleanups.push(() => link.close())
    const { a, b } = await pair('track-reconnect', link.url)
    await a.set('k', 'before')
    await cachedInL1(b, 'k', 'before')
    await link.cut('refuse')
    await a.set('k', 'during')
    expect(await b.get('k')).toBe('before')
    await link.restore()
    await waitFor(async () => (await b.get('k')) === 'during', 'B to reset L1 on reconnect')
    // Tracking is on again on the new connection.
    await a.set('k', 'after')
    await waitFor(async () => (await b.get('k')) === 'after', 'B to see writes after the reconnect')
  })

  test('rejects missing or empty prefixes', () => {
    expect(() => redisTrackingBus({ url: REDIS_URL }, { prefixes: [] })).toThrow(ValidationError)
    expect(() => redisTrackingBus({ url: REDIS_URL }, { prefixes: [''] })).toThrow(/prefixes/)
    expect(() => redisTrackingBus({ url: REDIS_URL }, {} as never)).toThrow(ValidationError)
  })

  test('rejects overlapping prefixes at construction, naming both (Redis would refuse them at subscribe)', () => {
    for (const prefixes of [
      ['app:', 'app:x:'],
      ['app:x:', 'other:', 'app:'],
      ['a:', 'a:'],
    ]) {
      expect(() => redisTrackingBus({ url: REDIS_URL }, { prefixes })).toThrow(
        expect.objectContaining({
          name: 'ValidationError',
          code: 'INVALID_OPTION',
          message: expect.stringMatching(/overlap: "(app:|a:)".*and "(app:x:|a:)"/),
        }),
      )
    }
    // Prefixes that merely share leading characters with no containment are fine.
    const bus = redisTrackingBus({ url: REDIS_URL }, { prefixes: ['app:', 'apq:', 'ap:x'] })
    cleanups.push(() => bus.close())
  })

  test('refuses a client or redisOptions with keyPrefix: tracking prefixes and reported keys would miss it', () => {
    const client = new Redis(REDIS_URL, { lazyConnect: true, keyPrefix: 'kp:' })
    cleanups.push(() => client.disconnect())
    expect(() => redisTrackingBus({ client }, { prefixes: ['app:'] })).toThrow(
      expect.objectContaining({ code: 'INVALID_OPTION', message: expect.stringContaining('keyPrefix') }),
    )
    expect(() =>
      redisTrackingBus({ url: REDIS_URL, redisOptions: { keyPrefix: 'kp:' } }, { prefixes: ['app:'] }),
    ).toThrow(ValidationError)
  })

  test('measured against the pub/sub bus: propagation delay and own-write L1 misses', async () => {
    const ROUNDS = 40
    const report: string[] = []
    for (const kind of ['pubsub', 'tracking'] as const) {
      const namespace = uniquePrefix(`track-vs-${kind}`)
      const bus = () =>
        kind === 'pubsub'
          ? redisBus({ url: REDIS_URL }, { channel: `${namespace}:bus` })
          : redisTrackingBus({ url: REDIS_URL }, { prefixes: [`${namespace}:`] })
      const a = await cacheWith(namespace, bus())
      const b = await cacheWith(namespace, bus())
      cleanups.push(() => a.clear())
      const delays: number[] = []
      for (let i = 0; i < ROUNDS; i++) {
        const key = `k${i % 5}`
        await a.set(key, -1)
        await cachedInL1(b, key, -1)
        const started = performance.now()
        await a.set(key, i)
        await pollUntil(async () => (await b.get(key)) === i)
        delays.push(performance.now() - started)
        expect(await a.get(key)).toBe(i)
      }
      const aStats = a.stats().tiers.l1
      report.push(
        `${kind}: median ${percentile(delays, 50).toFixed(2)} ms, p95 ${percentile(delays, 95).toFixed(2)} ms, writer's own L1 misses ${aStats.misses}/${aStats.hits + aStats.misses} reads`,
      )
    }
    console.info(`tracking vs pub/sub over ${ROUNDS} writes each: ${report.join('; ')}`)
  })
})
