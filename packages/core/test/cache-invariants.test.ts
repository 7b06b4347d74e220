import fc from 'fast-check'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { createCache, ValidationError } from '../src/index'
import { DeadlineQueue } from '../src/resilience/deadline-queue'
import { deferred, flush, sleep } from './helpers/deferred'
import { chaosCache, manualClock, mapL1, mapStore } from './helpers/stores'

afterEach(() => {
  vi.useRealTimers()
})

describe('circuit breaker', () => {
  it('the circuit opens, probes after recovery and closes again; pending writes replay newest-wins', async () => {
    const { cache, store, inner } = await chaosCache({
      namespace: 'cb',
      commandTimeout: 50,
      circuitBreaker: { failureThreshold: 1, recovery: 60 },
    })
    cache.on('error', () => {})
    store.mode = 'fail'
    await cache.set('k', 'v1')
    await cache.set('k', 'v2')
    await cache.delete('d')
    expect(cache.stats().circuit).toBe('open')
    store.mode = 'ok'
    for (let i = 0; i < 50 && cache.stats().circuit !== 'closed'; i++) await sleep(20)
    for (let i = 0; i < 50 && inner.data.get('cb:k') === undefined; i++) await sleep(10)
    expect(cache.stats().circuit).toBe('closed')
    const reader = await createCache({ store: inner, namespace: 'cb' })
    expect(await reader.get('k')).toBe('v2')
    await cache.close()
  })
})

describe('validation', () => {
  it('bad keys, TTLs and undefined values reject with ValidationError everywhere', async () => {
    const cache = await createCache({ l1: mapL1(), store: mapStore(), namespace: 'val' })
    const bad: [string, () => Promise<unknown>][] = [
      ['get empty key', () => cache.get('')],
      ['getOrSet non-string key', () => cache.getOrSet(1 as never, () => 1)],
      ['set undefined', () => cache.set('k', undefined)],
      ['set ttl 0', () => cache.set('k', 1, { ttl: 0 })],
      ['set ttl -1', () => cache.set('k', 1, { ttl: -1 })],
      ['set ttl NaN', () => cache.set('k', 1, { ttl: Number.NaN })],
      ['getOrSet ttl bad', () => cache.getOrSet('k', () => 1, { ttl: '1y' as never })],
      ['getOrSetMany bad key', () => cache.getOrSetMany(['a', ''], () => [1, 2])],
      ['getOrSetMany bad ttl', () => cache.getOrSetMany(['a'], () => [1], { ttl: 0 })],
      ['setMany undefined value', () => cache.setMany([{ key: 'a', value: undefined }])],
      ['deleteMany bad key', () => cache.deleteMany(['a', 5 as never])],
    ]
    for (const [name, call] of bad) {
      await expect(call(), name).rejects.toBeInstanceOf(ValidationError)
    }
    // A loader that returns undefined caches nothing; null is a value.
    expect(await cache.getOrSet('u', () => undefined)).toBeUndefined()
    expect(await cache.has('u')).toBe(false)
    expect(await cache.getOrSet('n', () => null)).toBeNull()
    expect(await cache.get('n')).toBeNull()
    await cache.close()
  })
})

describe('immutability', () => {
  it('with L1, values from every path are frozen and the loader object is never cached', async () => {
    const store = mapStore()
    const l1 = mapL1()
    const cache = await createCache({ store, l1, namespace: 'frz' })
    const mine = { a: { b: 1 } }
    const got = await cache.getOrSet('k', () => mine)
    expect(got).not.toBe(mine)
    expect(Object.isFrozen(got)).toBe(true)
    mine.a.b = 2
    expect(await cache.get('k')).toEqual({ a: { b: 1 } })
    const [m] = await cache.getOrSetMany(['m'], () => [{ x: [1] }])
    expect(() => {
      ;(m as { x: number[] }).x.push(2)
    }).toThrow()
    expect(await cache.get('m')).toEqual({ x: [1] })
    await cache.close()
  })
})

describe('single flight and errors', () => {
  it('a rejected loader releases the flight for getOrSet and getOrSetMany; the next call reloads', async () => {
    const cache = await createCache({ store: mapStore(), l1: mapL1(), namespace: 'sf' })
    await expect(cache.getOrSet('a', () => Promise.reject(new Error('boom')))).rejects.toThrow('boom')
    expect(await cache.getOrSet('a', () => 'A')).toBe('A')
    await expect(
      cache.getOrSetMany(['b', 'c', 'b'], () => {
        throw new Error('sync boom')
      }),
    ).rejects.toThrow('sync boom')
    // A getOrSet joined on a batch that fails gets the error, and neither key stays stuck.
    const gate = deferred<string[]>()
    const batch = cache.getOrSetMany(['d', 'e'], () => gate.promise)
    const joined = cache.getOrSet('d', () => 'never')
    gate.reject(new Error('later boom'))
    await expect(batch).rejects.toThrow('later boom')
    await expect(joined).rejects.toThrow('later boom')
    expect(
      await cache.getOrSetMany(['b', 'c', 'd', 'e', 'b'], (keys) => keys.map((k) => k.toUpperCase())),
    ).toEqual(['B', 'C', 'D', 'E', 'B'])
    // Wrong-length loader results reject with INVALID_LOADER_RESULT and release the claims.
    await expect(cache.getOrSetMany(['f', 'g'], () => ['F'])).rejects.toMatchObject({
      code: 'INVALID_LOADER_RESULT',
    })
    await expect(cache.getOrSetMany(['f'], () => new Map([['zzz', 1]]))).rejects.toMatchObject({
      code: 'INVALID_LOADER_RESULT',
    })
    expect(await cache.getOrSet('f', () => 'F')).toBe('F')
    expect(await cache.getOrSet('g', () => 'G')).toBe('G')
    await cache.close()
  })

  it('a getOrSet joined on a batch whose loader omits its key gets undefined and can load later', async () => {
    const cache = await createCache({ l1: mapL1(), namespace: 'om' })
    const gate = deferred<Record<string, string>>()
    const batch = cache.getOrSetMany(['a', 'b'], () => gate.promise)
    const joined = cache.getOrSet('b', () => 'own')
    gate.resolve({ a: 'A' })
    expect(await batch).toEqual(['A', undefined])
    expect(await joined).toBeUndefined()
    expect(await cache.getOrSet('b', () => 'B')).toBe('B')
    await cache.close()
  })
})

describe('TTL and grace', () => {
  it('getOrSetMany backfills L1 from L2 with the remaining TTL, not a fresh one', async () => {
    const c = manualClock()
    const store = mapStore(c.fn)
    const writer = await createCache({ store, namespace: 'rt', now: c.fn })
    await writer.set('a', 'A', { ttl: '10s' })
    c.now += 4_000
    const l1 = mapL1()
    const reader = await createCache({ store, l1, namespace: 'rt', now: c.fn })
    expect(await reader.getOrSetMany(['a', 'b'], (keys) => keys.map((k) => k))).toEqual(['A', 'b'])
    expect(l1.get('a')?.expiresAt).toBe(c.now + 6_000)
    c.now += 6_001
    let loads = 0
    expect(
      await reader.getOrSetMany(['a'], (keys) => {
        loads++
        return keys.map(() => 'A2')
      }),
    ).toEqual(['A2'])
    expect(loads).toBe(1)
  })

  it('getOrSet backfills L1 from L2 with the remaining TTL; null is a cached value, undefined is not', async () => {
    const c = manualClock()
    const store = mapStore(c.fn)
    const writer = await createCache({ store, namespace: 'rt2', now: c.fn })
    await writer.set('a', { v: 1 }, { ttl: '10s' })
    c.now += 3_000
    const l1 = mapL1()
    const reader = await createCache({ store, l1, namespace: 'rt2', now: c.fn })
    expect(await reader.getOrSet('a', () => ({ v: 2 }))).toEqual({ v: 1 })
    expect(l1.get('a')?.expiresAt).toBe(c.now + 7_000)
    let loads = 0
    const loader = (keys: string[]) => {
      loads++
      return new Map<string, null | undefined>(keys.map((k) => [k, k === 'n' ? null : undefined]))
    }
    expect(await reader.getOrSetMany(['n', 'u'], loader)).toEqual([null, undefined])
    expect(await reader.getOrSetMany(['n', 'u'], loader)).toEqual([null, undefined])
    expect(loads).toBe(2) // 'n' came from the cache the second time, 'u' was loaded again
    expect(await reader.get('n')).toBeNull()
    expect(await reader.has('u')).toBe(false)
  })

  it('stale is served within grace when the loader fails, and not past grace', async () => {
    const c = manualClock()
    const store = mapStore(c.fn)
    const cache = await createCache({ store, l1: mapL1(), namespace: 'gr', now: c.fn })
    cache.on('error', () => {})
    await cache.set('a', 'A', { ttl: '1s', grace: '10s' })
    await cache.set('b', 'B', { ttl: '1s', grace: '10s' })
    c.now += 5_000
    const fail = () => Promise.reject(new Error('down'))
    expect(await cache.getOrSet('a', fail)).toBe('A')
    expect(await cache.getOrSetMany(['b', 'a', 'b'], fail)).toEqual(['B', 'A', 'B'])
    expect(await cache.get('a')).toBeUndefined() // expired: get never serves stale
    c.now += 6_000 // past grace
    await expect(cache.getOrSet('a', fail)).rejects.toThrow('down')
    await expect(cache.getOrSetMany(['b'], fail)).rejects.toThrow('down')
    await cache.close()
  })
})

describe('getOrSetMany positions (property)', () => {
  it('every position gets its own key value, whatever mix of L1, L2, joined flights, repeats and loader gaps', async () => {
    const keyArb = fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f', 'g', 'h')
    await fc.assert(
      fc.asyncProperty(
        fc.array(keyArb, { minLength: 1, maxLength: 14 }),
        fc.subarray(['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h']),
        fc.subarray(['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h']),
        fc.subarray(['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h']),
        fc.subarray(['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h']),
        fc.constantFrom('array', 'map', 'object'),
        async (keys, inL1, inL2, joined, omitted, shape) => {
          const store = mapStore()
          const l1 = mapL1()
          const cache = await createCache({ store, l1, namespace: 'p' })
          const expected = new Map<string, unknown>()
          for (const k of inL2) {
            await cache.set(k, `l2:${k}`)
            l1.delete(k)
            expected.set(k, `l2:${k}`)
          }
          for (const k of inL1) {
            await cache.set(k, `l1:${k}`)
            expected.set(k, `l1:${k}`)
          }
          const gates: (() => void)[] = []
          const flights: Promise<unknown>[] = []
          for (const k of joined) {
            if (expected.has(k)) continue
            const gate = deferred<string>()
            flights.push(cache.getOrSet(k, () => gate.promise))
            gates.push(() => gate.resolve(`flight:${k}`))
            expected.set(k, `flight:${k}`)
          }
          await flush()
          const loaded: string[][] = []
          const batch = cache.getOrSetMany(keys, (missing) => {
            loaded.push(missing)
            const present = missing.filter((k) => !omitted.includes(k))
            if (shape === 'array') return missing.map((k) => (omitted.includes(k) ? undefined : `load:${k}`))
            if (shape === 'map') return new Map(present.map((k) => [k, `load:${k}`]))
            return Object.fromEntries(present.map((k) => [k, `load:${k}`]))
          })
          for (const g of gates) g()
          const result = await batch
          await Promise.all(flights)
          const want = keys.map((k) =>
            expected.has(k) ? expected.get(k) : omitted.includes(k) ? undefined : `load:${k}`,
          )
          expect(result).toEqual(want)
          // Loader saw each missing key once.
          const seen = loaded.flat()
          expect(new Set(seen).size).toBe(seen.length)
          for (const k of seen) expect(expected.has(k)).toBe(false)
          await cache.close()
        },
      ),
      { numRuns: 150 },
    )
  })
})

describe('concurrent batches (property)', () => {
  it('overlapping getOrSetMany/getOrSet calls load each key once, fill every position, and release every flight', async () => {
    const keyArb = fc.constantFrom('a', 'b', 'c', 'd', 'e')
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(keyArb, { minLength: 1, maxLength: 6 }), { minLength: 2, maxLength: 4 }),
        fc.subarray(['a', 'b', 'c', 'd', 'e']),
        fc.boolean(),
        async (batches, failing, withL2) => {
          const cache = await createCache({
            l1: mapL1(),
            ...(withL2 ? { store: mapStore() } : {}),
            namespace: 'cc',
          })
          const loads = new Map<string, number>()
          const gates: (() => void)[] = []
          const calls = batches.map((keys, n) =>
            n % 2 === 1 && keys.length === 1
              ? cache
                  .getOrSet(keys[0]!, () => {
                    loads.set(keys[0]!, (loads.get(keys[0]!) ?? 0) + 1)
                    return new Promise<string>((resolve, reject) =>
                      gates.push(() =>
                        failing.includes(keys[0]!) ? reject(new Error('x')) : resolve(`v:${keys[0]}`),
                      ),
                    )
                  })
                  .then((v) => [v])
              : cache.getOrSetMany(keys, (missing) => {
                  for (const k of missing) loads.set(k, (loads.get(k) ?? 0) + 1)
                  return new Promise<string[]>((resolve, reject) =>
                    gates.push(() =>
                      missing.some((k) => failing.includes(k))
                        ? reject(new Error('x'))
                        : resolve(missing.map((k) => `v:${k}`)),
                    ),
                  )
                }),
          )
          const settled = Promise.allSettled(calls)
          await flush()
          for (const g of gates) g()
          const outcomes = await settled
          for (const [k, n] of loads) expect(n, k).toBe(1)
          outcomes.forEach((o, i) => {
            if (o.status === 'fulfilled')
              expect(o.value).toEqual(batches[i]!.slice(0, o.value.length).map((k) => `v:${k}`))
          })
          // No flight left behind: a new call for every key runs (or hits) and settles.
          const again = await cache.getOrSetMany(['a', 'b', 'c', 'd', 'e'], (missing) =>
            missing.map((k) => `v:${k}`),
          )
          expect(again).toEqual(['v:a', 'v:b', 'v:c', 'v:d', 'v:e'])
          await cache.close()
        },
      ),
      { numRuns: 150 },
    )
  })
})

describe('deadline queue', () => {
  it('expires each pending call once at its deadline, never a settled one, and leaves no work behind', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance', 'Date'] })
    const q = new DeadlineQueue(100)
    const fired: string[] = []
    const a = q.add(() => fired.push('a'))
    vi.advanceTimersByTime(30)
    const b = q.add(() => fired.push('b'))
    vi.advanceTimersByTime(30)
    const c = q.add(() => fired.push('c'))
    expect(q.settle(b)).toBe(true)
    vi.advanceTimersByTime(39)
    expect(fired).toEqual([])
    vi.advanceTimersByTime(1) // t=100: a expires
    expect(fired).toEqual(['a'])
    expect(q.settle(a)).toBe(false)
    vi.advanceTimersByTime(59)
    expect(fired).toEqual(['a'])
    vi.advanceTimersByTime(1) // t=160: c expires; b was settled
    expect(fired).toEqual(['a', 'c'])
    expect(q.settle(c)).toBe(false)
    vi.advanceTimersByTime(1_000)
    expect(fired).toEqual(['a', 'c'])
    expect(vi.getTimerCount()).toBe(0)
    // Settling everything before the deadline: nothing fires.
    const d = q.add(() => fired.push('d'))
    q.settle(d)
    vi.advanceTimersByTime(1_000)
    expect(fired).toEqual(['a', 'c'])
  })

  it('a stalled L2 command times out with an InfrastructureError TIMEOUT and the caller is not hung', async () => {
    const { cache, store } = await chaosCache({ namespace: 'to', commandTimeout: 30 })
    const errors: string[] = []
    cache.on('error', (e) => errors.push((e.error as { code?: string }).code ?? '?'))
    store.mode = 'stall'
    const started = Date.now()
    expect(await cache.get('x')).toBeUndefined()
    expect(Date.now() - started).toBeLessThan(500)
    expect(errors).toContain('TIMEOUT')
    await cache.close()
  })
})
