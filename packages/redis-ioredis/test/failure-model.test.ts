import { type CacheHealth, createCache, InfrastructureError, type TieredCache } from '@cache/core'
import { memoryL1 } from '@cache/memory'
import { Redis } from 'ioredis'
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest'
import { redisStore } from '../src/index'
import { REDIS_URL } from './helpers/redis-url'
import { type CutMode, startTcpProxy, type TcpProxy } from './helpers/tcp-proxy'
import { uniquePrefix, waitFor } from './helpers/wait-for'

// Real connection cuts: the cache talks to the shared Redis through a TCP proxy the test controls.
const COMMAND_TIMEOUT_MS = 300
const CONNECT_TIMEOUT_MS = 1_000
/** Timer and event-loop slack on a shared 2-core machine; the bound itself is the command timeout. */
const MARGIN_MS = 150

const unhandled: unknown[] = []
const onUnhandled = (reason: unknown) => unhandled.push(reason)
const cleanups: (() => Promise<unknown> | unknown)[] = []
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

beforeAll(() => {
  process.on('unhandledRejection', onUnhandled)
})
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
  expect(unhandled).toEqual([])
})
afterAll(() => {
  process.off('unhandledRejection', onUnhandled)
})

async function proxy(port: number): Promise<TcpProxy> {
  const created = await startTcpProxy(port)
  cleanups.push(() => created.close())
  return created
}

/** A cache on the shared Redis with no L1, to read what Redis really holds. */
async function directReader(namespace: string): Promise<TieredCache> {
  const reader = await createCache({ namespace, store: redisStore({ url: REDIS_URL }) })
  cleanups.push(async () => {
    await reader.clear()
    await reader.close()
  })
  return reader
}

async function timed<T>(run: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now()
  const value = await run()
  return { value, ms: performance.now() - started }
}

describe('Redis unreachable at start', () => {
  for (const mode of ['refuse', 'blackhole'] as const) {
    test(`(${mode}) createCache resolves within the connect timeout, degraded, serving L1, and recovers`, async () => {
      const namespace = uniquePrefix(`start-${mode}`)
      const link = await proxy(mode === 'refuse' ? 7130 : 7131)
      await link.cut(mode)
      const { value: cache, ms } = await timed(() =>
        createCache({
          namespace,
          store: redisStore({ url: link.url }),
          l1: memoryL1(),
          circuitBreaker: { recovery: '1s' },
        }),
      )
      cleanups.push(() => cache.close())
      expect(ms).toBeLessThan(CONNECT_TIMEOUT_MS + MARGIN_MS * 2)
      expect(cache.stats().circuit).toBe('open')
      const health: CacheHealth = await cache.health()
      expect(health.status).toBe('degraded')
      expect(health.tiers.l2?.status).toBe('unhealthy')

      await cache.set('while-down', { n: 1 })
      expect(await cache.get('while-down')).toEqual({ n: 1 })
      expect(cache.stats().pendingWrites).toBe(1)

      await link.restore()
      // No call reaches L2 here (reads hit L1): the cache must probe and replay by itself.
      await waitFor(
        () => cache.stats().circuit === 'closed' && cache.stats().pendingWrites === 0,
        'the circuit to close and the outage write to be replayed',
        10_000,
      )
      expect((await cache.health()).status).toBe('healthy')
      const reader = await directReader(namespace)
      expect(await reader.get('while-down')).toEqual({ n: 1 })
    })
  }

  test('with failOnConnectionError it rejects with an InfrastructureError that holds no password', async () => {
    const link = await proxy(7132)
    await link.cut('refuse')
    const url = `redis://:s3cret-pw@127.0.0.1:${link.port}`
    const started = performance.now()
    const error = await createCache({
      store: redisStore({ url }),
      l1: memoryL1(),
      failOnConnectionError: true,
    }).catch((e: unknown) => e)
    expect(performance.now() - started).toBeLessThan(CONNECT_TIMEOUT_MS + MARGIN_MS * 2)
    expect(error).toBeInstanceOf(InfrastructureError)
    expect((error as InfrastructureError).code).toBe('CONNECTION')
    expect(String((error as Error).message)).not.toContain('s3cret-pw')
  })
})

describe('recovery as soon as Redis is back', () => {
  test('the circuit closes when the client reconnects, long before a 30 s recovery window ends', async () => {
    const link = await proxy(7135)
    const store = redisStore({ url: link.url })
    const cache = await createCache({
      namespace: uniquePrefix('reconnect'),
      store,
      l1: memoryL1(),
      commandTimeout: COMMAND_TIMEOUT_MS,
      circuitBreaker: { failureThreshold: 2, recovery: '30s' },
    })
    cleanups.push(() => cache.close())
    await cache.set('k', 'v')
    const reconnects: number[] = []
    const stop = store.onReconnect(() => reconnects.push(Date.now()))
    await link.cut('refuse')
    for (let i = 0; i < 3; i++) await cache.get(`cold-${i}`)
    expect(cache.stats().circuit).toBe('open')
    await link.restore()
    // Nothing but the reconnect can close the circuit within 10 s: the window is 30 s.
    await waitFor(() => cache.stats().circuit === 'closed', 'circuit closed after the reconnect', 10_000)
    expect(reconnects.length).toBeGreaterThan(0)
    expect(await cache.get('k')).toBe('v')
    stop()
    const seen = reconnects.length
    link.dropConnections()
    await waitFor(() => store.client.status === 'ready', 'client ready again', 10_000)
    await sleep(50)
    expect(reconnects.length).toBe(seen)
  })
})

describe('many caches on one client', () => {
  test('share one pair of client listeners: no MaxListenersExceededWarning, and a reconnect wakes every one', async () => {
    const warnings: Error[] = []
    const onWarning = (warning: Error) => warnings.push(warning)
    process.on('warning', onWarning)
    cleanups.push(() => process.off('warning', onWarning))
    const link = await proxy(7136)
    const client = new Redis(link.url)
    cleanups.push(() => client.disconnect())
    await client.ping()
    const before = { ready: client.listenerCount('ready'), close: client.listenerCount('close') }
    const stores = Array.from({ length: 12 }, () => redisStore({ client }))
    const caches = await Promise.all(
      stores.map((store, i) =>
        createCache({ namespace: uniquePrefix(`shared${i}`), store, commandTimeout: COMMAND_TIMEOUT_MS }),
      ),
    )
    const woken: number[] = []
    const stops = stores.map((store, i) => store.onReconnect(() => woken.push(i)))
    expect(client.listenerCount('ready')).toBe(before.ready + 1)
    expect(client.listenerCount('close')).toBe(before.close + 1)

    link.dropConnections()
    await waitFor(() => woken.length === 12, 'every listener woken by the reconnect', 10_000)
    expect(new Set(woken).size).toBe(12)
    for (const cache of caches) expect(await cache.get('missing')).toBeUndefined()

    for (const stop of stops) stop()
    for (const cache of caches.slice(1)) await cache.close()
    expect(client.listenerCount('ready')).toBe(before.ready + 1) // the last cache still listens
    await caches[0]!.close()
    expect(client.listenerCount('ready')).toBe(before.ready)
    expect(client.listenerCount('close')).toBe(before.close)
    await sleep(10) // warnings are emitted on the next tick
    expect(warnings.filter((w) => w.name === 'MaxListenersExceededWarning')).toEqual([])
  })
})

describe('steady load while the connection is cut and restored', () => {
  const cuts: [CutMode, number][] = [
    ['refuse', 7133],
    // A partition: sockets stay open and commands hang until the command timeout.
    ['freeze', 7134],
  ]
  for (const [mode, port] of cuts) {
    test(`(${mode}) no call outlasts the timeout, reads come from L1, the circuit opens and closes, newest writes win`, async () => {
      const namespace = uniquePrefix(`load-${mode}`)
      const link = await proxy(port)
      const cache = await createCache({
        namespace,
        store: redisStore({ url: link.url }),
        l1: memoryL1(),
        commandTimeout: COMMAND_TIMEOUT_MS,
        circuitBreaker: { failureThreshold: 5, recovery: '1s' },
      })
      cleanups.push(() => cache.close())
      const circuit: string[] = []
      cache.on('circuit', ({ state }) => circuit.push(state))

      const LOOPS = 4
      const KEYS_PER_LOOP = 5
      const lastWritten = new Map<string, number>()
      const wrongReads: string[] = []
      let phase: 'before' | 'cut' | 'after' = 'before'
      let stop = false
      const worst = { before: 0, cut: 0, after: 0 }
      let readsDuringCut = 0
      let calls = 0

      /** Runs one cache call and records how long it took, by phase. */
      const measure = async <T>(run: () => Promise<T>): Promise<T> => {
        const callPhase = phase
        const started = performance.now()
        const result = await run()
        worst[callPhase] = Math.max(worst[callPhase], performance.now() - started)
        calls++
        return result
      }
      const loop = async (j: number) => {
        for (let seq = 1; !stop; seq++) {
          const key = `k${j}-${seq % KEYS_PER_LOOP}`
          if (seq % 3 === 0) {
            await measure(() => cache.set(key, { seq, phase }))
            lastWritten.set(key, seq)
          } else {
            const readPhase = phase
            const value = await measure(() => cache.get<{ seq: number }>(key))
            if (lastWritten.has(key) && value?.seq !== lastWritten.get(key))
              wrongReads.push(`${key}: ${JSON.stringify(value)} != ${lastWritten.get(key)}`)
            if (readPhase === 'cut') readsDuringCut++
          }
          if (phase === 'cut' && seq % 7 === 0) {
            // Keys that only ever exist because of a write made during the outage.
            await measure(() => cache.set(`outage-${j}-${seq}`, seq))
            lastWritten.set(`outage-${j}-${seq}`, seq)
          }
          await sleep(2)
        }
      }
      const running = Promise.all(Array.from({ length: LOOPS }, (_, j) => loop(j)))

      await sleep(700)
      phase = 'cut'
      await link.cut(mode)
      const l1HitsAtCut = cache.stats().tiers.l1.hits
      await sleep(2_000)
      const openedDuringCut = cache.stats().circuit !== 'closed'
      const l1HitsDuringCut = cache.stats().tiers.l1.hits - l1HitsAtCut
      phase = 'after'
      await link.restore()
      await waitFor(
        () => cache.stats().circuit === 'closed' && cache.stats().pendingWrites === 0,
        'recovery: circuit closed and every pending write replayed',
        15_000,
      )
      await sleep(300)
      stop = true
      await running

      const stats = cache.stats()
      console.info(
        `failure-model (${mode}): ${calls} calls, worst ms before/cut/after = ${worst.before.toFixed(1)}/${worst.cut.toFixed(1)}/${worst.after.toFixed(1)}, failedL2Writes=${stats.failedL2Writes}, droppedWrites=${stats.droppedWrites}, circuit=${circuit.join('>')}`,
      )
      expect(wrongReads).toEqual([])
      expect(readsDuringCut).toBeGreaterThan(50)
      expect(l1HitsDuringCut).toBeGreaterThan(50)
      expect(openedDuringCut).toBe(true)
      expect(circuit).toContain('open')
      expect(circuit.at(-1)).toBe('closed')
      expect(stats.failedL2Writes).toBeGreaterThan(0)
      expect(stats.droppedWrites).toBe(0)
      expect(Math.max(worst.before, worst.cut, worst.after)).toBeLessThan(COMMAND_TIMEOUT_MS + MARGIN_MS)

      const reader = await directReader(namespace)
      const keys = [...lastWritten.keys()]
      const values = await reader.getMany<{ seq: number } | number>(keys)
      const stale = keys.filter((key, i) => {
        const value = values[i]
        const seq = typeof value === 'number' ? value : value?.seq
        return seq !== lastWritten.get(key)
      })
      expect(stale).toEqual([])
      expect(keys.filter((key) => key.startsWith('outage-')).length).toBeGreaterThan(5)
    })
  }
})
