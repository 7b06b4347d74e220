import {
  createCache,
  type L1Entry,
  type L1Tier,
  type Store,
  type TieredCache,
  ValidationError,
} from '@cache/core'
import { afterEach, describe, expect, it } from 'vitest'
import { batchReadThroughTests } from './batch-conformance'
import { randomNamespace, text, waitFor } from './helpers'

/** Options for {@link cacheConformance}. */
export interface CacheConformanceOptions {
  /** Creates an L1 tier for each cache instance (e.g. `() => memoryL1()`); without it L2-only tests run alone. */
  makeL1?: () => L1Tier
}

/**
 * Registers a vitest suite that checks `createCache` on top of a store: tiering, TTL, backfill,
 * namespace isolation, single-flight and corrupt entries. `makeStore` must return a store connected to
 * the SAME backend each time (two caches built from it share data).
 */
export function cacheConformance(
  name: string,
  makeStore: () => Store | Promise<Store>,
  options: CacheConformanceOptions = {},
): void {
  const open: TieredCache[] = []
  const build = async (
    extra: Partial<Parameters<typeof createCache>[0]> & { l1?: L1Tier | undefined } = {},
  ) => {
    const cache = await createCache({ store: await makeStore(), failOnConnectionError: true, ...extra })
    open.push(cache)
    return cache
  }
  const makeL1 = options.makeL1

  describe(`cache conformance: ${name}`, () => {
    afterEach(async () => {
      for (const cache of open.splice(0)) {
        await cache.clear().catch(() => {})
        await cache.close()
      }
    })

    it('set, get, has, delete through L2 only', async () => {
      const cache = await build({ namespace: randomNamespace() })
      expect(await cache.get('k')).toBeUndefined()
      await cache.set('k', { n: 1, s: 'é', list: [1, 2] })
      expect(await cache.get('k')).toEqual({ n: 1, s: 'é', list: [1, 2] })
      expect(await cache.has('k')).toBe(true)
      expect(await cache.delete('k')).toBe(true)
      expect(await cache.has('k')).toBe(false)
      expect(await cache.delete('k')).toBe(false)
    })

    it('getMany, setMany and deleteMany keep order and count', async () => {
      const cache = await build({ namespace: randomNamespace(), ...(makeL1 ? { l1: makeL1() } : {}) })
      await cache.setMany([
        { key: 'a', value: 1 },
        { key: 'b', value: 'two', ttl: '1m' },
      ])
      expect(await cache.getMany(['b', 'x', 'a'])).toEqual(['two', undefined, 1])
      expect(await cache.deleteMany(['a', 'b', 'x'])).toBe(2)
      expect(await cache.getMany(['a', 'b'])).toEqual([undefined, undefined])
    })

    it('rejects invalid input and leaves the cache unchanged', async () => {
      const cache = await build({ namespace: randomNamespace(), ...(makeL1 ? { l1: makeL1() } : {}) })
      await cache.set('keep', 1)
      await expect(cache.set('keep', undefined)).rejects.toBeInstanceOf(ValidationError)
      await expect(cache.set('', 1)).rejects.toBeInstanceOf(ValidationError)
      await expect(cache.set('keep', 2, { ttl: -1 })).rejects.toBeInstanceOf(ValidationError)
      await expect(
        cache.setMany([
          { key: 'keep', value: 3 },
          { key: 'bad', value: () => 1 },
        ]),
      ).rejects.toBeInstanceOf(ValidationError)
      expect(await cache.get('keep')).toBe(1)
      expect(await cache.get('bad')).toBeUndefined()
    })

    it('expires entries after their TTL in every tier', async () => {
      const cache = await build({ namespace: randomNamespace(), ...(makeL1 ? { l1: makeL1() } : {}) })
      // 500 ms, not less: on a loaded 2-core CI machine the first read can come 150 ms after the write.
      await cache.set('short', 'x', { ttl: 500 })
      expect(await cache.get('short')).toBe('x')
      await waitFor(async () => (await cache.get('short')) === undefined, 5_000)
    })

    it('namespaces are isolated, and clear() removes only its own', async () => {
      const a = await build({ namespace: randomNamespace(), ...(makeL1 ? { l1: makeL1() } : {}) })
      const b = await build({ namespace: randomNamespace(), ...(makeL1 ? { l1: makeL1() } : {}) })
      await a.set('same', 'from a')
      await b.set('same', 'from b')
      expect(await a.get('same')).toBe('from a')
      expect(await b.get('same')).toBe('from b')
      await a.clear()
      expect(await a.get('same')).toBeUndefined()
      expect(await b.get('same')).toBe('from b')
    })

    it('getOrSet runs the loader once for 1,000 concurrent callers of a cold key', async () => {
      const cache = await build({ namespace: randomNamespace(), ...(makeL1 ? { l1: makeL1() } : {}) })
      let calls = 0
      const loader = async () => {
        calls++
        await new Promise((resolve) => setTimeout(resolve, 20))
        return { v: 42 }
      }
      const results = await Promise.all(Array.from({ length: 1_000 }, () => cache.getOrSet('cold', loader)))
      expect(calls).toBe(1)
      for (const r of results) expect(r).toEqual({ v: 42 })
      expect(await cache.getOrSet('cold', loader)).toEqual({ v: 42 })
      expect(calls).toBe(1)
    })

    it('a loader error reaches every waiter and is not cached', async () => {
      const cache = await build({ namespace: randomNamespace(), ...(makeL1 ? { l1: makeL1() } : {}) })
      let calls = 0
      const failing = async () => {
        calls++
        await new Promise((resolve) => setTimeout(resolve, 10))
        throw new Error('upstream down')
      }
      const settled = await Promise.allSettled(Array.from({ length: 50 }, () => cache.getOrSet('k', failing)))
      expect(calls).toBe(1)
      for (const s of settled) {
        expect(s.status).toBe('rejected')
        expect((s as PromiseRejectedResult).reason.message).toBe('upstream down')
      }
      expect(await cache.get('k')).toBeUndefined()
      expect(await cache.getOrSet('k', async () => 'ok')).toBe('ok')
    })

    it('a corrupt L2 entry reads as a miss, is deleted and raises an error event', async () => {
      const namespace = randomNamespace()
      const store = await makeStore()
      const cache = await build({ namespace })
      const errors: string[] = []
      cache.on('error', (e) => errors.push(e.operation))
      await store.set(`${namespace}:bad`, text('definitely not an envelope'))
      expect(await cache.get('bad')).toBeUndefined()
      expect(errors).toContain('decode')
      await waitFor(async () => (await store.get(`${namespace}:bad`)) === undefined, 2_000)
      await store.close()
    })

    batchReadThroughTests(build, makeStore, makeL1)

    if (makeL1) {
      it('an L2 hit backfills L1 with the remaining TTL, so L1 never outlives L2', async () => {
        const namespace = randomNamespace()
        let now = Date.now()
        const writer = await build({ namespace, l1: makeL1(), now: () => now })
        await writer.set('user', { id: 1 }, { ttl: '10s' })
        const expiresAt = now + 10_000
        now += 4_000
        const readerL1 = makeL1()
        const reader = await build({ namespace, l1: readerL1, now: () => now })
        const hits: string[] = []
        reader.on('hit', (e) => hits.push(e.tier))
        expect(await reader.get('user')).toEqual({ id: 1 })
        expect(await reader.get('user')).toEqual({ id: 1 })
        expect(hits).toEqual(['l2', 'l1'])
        const entry = readerL1.get('user') as L1Entry
        expect(entry.expiresAt).toBe(expiresAt)
        now += 6_001
        expect(await reader.get('user')).toBeUndefined()
      })

      it('a value read from L1 equals the same value read from L2, type for type', async () => {
        const namespace = randomNamespace()
        const writer = await build({ namespace, l1: makeL1() })
        const reader = await build({ namespace, l1: makeL1() })
        const value = { when: new Date(0), n: 1.5, nested: { list: ['a', null, true] }, dropped: undefined }
        await writer.set('v', value)
        const fromL1 = await writer.get('v')
        const fromL2 = await reader.get('v')
        expect(fromL1).toEqual(fromL2)
        expect(typeof (fromL1 as { when: unknown }).when).toBe(typeof (fromL2 as { when: unknown }).when)
      })

      it('a caller mutating a returned object cannot change what the next caller gets', async () => {
        const cache = await build({ namespace: randomNamespace(), l1: makeL1() })
        const original = { list: [1, 2], inner: { a: 1 } }
        await cache.set('obj', original)
        original.list.push(3)
        const first = (await cache.get<{ list: number[]; inner: { a: number } }>('obj'))!
        expect(() => first.list.push(4)).toThrow(TypeError)
        expect(() => {
          first.inner.a = 2
        }).toThrow(TypeError)
        expect(await cache.get('obj')).toEqual({ list: [1, 2], inner: { a: 1 } })
      })
    }
  })
}
