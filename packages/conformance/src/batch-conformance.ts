import { createCache, type L1Tier, type Store, type TieredCache, ValidationError } from '@cache/core'
import { expect, it } from 'vitest'
import { countingStore, randomNamespace } from './helpers'

type Build = (
  extra?: Partial<Parameters<typeof createCache>[0]> & { l1?: L1Tier | undefined },
) => Promise<TieredCache>

/** The `getOrSetMany` part of `cacheConformance`: registers its tests in the caller's describe block. */
export function batchReadThroughTests(
  build: Build,
  makeStore: () => Store | Promise<Store>,
  makeL1: (() => L1Tier) | undefined,
): void {
  const withL1 = () => (makeL1 ? { l1: makeL1() } : {})

  it('getOrSetMany: one L2 read, one loader call with only the missing keys, one L2 write', async () => {
    const namespace = randomNamespace()
    const writer = await build({ namespace })
    await writer.setMany([
      { key: 'k1', value: 'cached 1' },
      { key: 'k3', value: 'cached 3' },
    ])
    const { store, counts } = countingStore(await makeStore())
    const cache = await createCache({ store, namespace, failOnConnectionError: true, ...withL1() })
    try {
      const loaded: string[][] = []
      const loader = async (missing: string[]) => {
        loaded.push(missing)
        return missing.map((key) => ({ loaded: key }))
      }
      const keys = ['k0', 'k1', 'k2', 'k3', 'k0']
      const expected = [{ loaded: 'k0' }, 'cached 1', { loaded: 'k2' }, 'cached 3', { loaded: 'k0' }]
      expect(await cache.getOrSetMany(keys, loader, { ttl: '1m' })).toEqual(expected)
      expect(loaded).toEqual([['k0', 'k2']])
      expect(counts).toMatchObject({ get: 0, getMany: 1, set: 0, setMany: 1 })
      // Everything is cached now, in the shared backend too.
      expect(await cache.getOrSetMany(keys, loader)).toEqual(expected)
      expect(loaded).toHaveLength(1)
      expect(await writer.getMany(['k0', 'k2'])).toEqual([{ loaded: 'k0' }, { loaded: 'k2' }])
    } finally {
      await cache.close()
    }
  })

  it('getOrSetMany: overlapping concurrent calls and getOrSet load each key once', async () => {
    const cache = await build({ namespace: randomNamespace(), ...withL1() })
    const loads = new Map<string, number>()
    const loader = async (missing: string[]) => {
      for (const key of missing) loads.set(key, (loads.get(key) ?? 0) + 1)
      await new Promise((resolve) => setTimeout(resolve, 20))
      return new Map(missing.map((key) => [key, `v:${key}`]))
    }
    const batches = Array.from({ length: 20 }, (_, i) => [`k${i % 7}`, `k${(i * 3) % 11}`, `k${i % 5}`])
    const results = await Promise.all([
      ...batches.map((batch) => cache.getOrSetMany(batch, loader)),
      cache.getOrSet('k1', async () => 'from getOrSet'),
    ])
    for (const [key, count] of loads) expect(count, key).toBe(1)
    batches.forEach((batch, i) => {
      expect(results[i]).toEqual(batch.map((key) => `v:${key}`))
    })
    // getOrSet found k1 already claimed by a batch and joined it.
    expect(results.at(-1)).toBe('v:k1')
  })

  it('getOrSetMany: a loader result of the wrong length is a ValidationError and caches nothing', async () => {
    const cache = await build({ namespace: randomNamespace(), ...withL1() })
    await expect(cache.getOrSetMany(['a', 'b'], async () => ['only a'])).rejects.toBeInstanceOf(
      ValidationError,
    )
    await expect(cache.getOrSetMany(['a'], async () => ({ a: 1, other: 2 }))).rejects.toMatchObject({
      code: 'INVALID_LOADER_RESULT',
    })
    expect(await cache.getMany(['a', 'b', 'other'])).toEqual([undefined, undefined, undefined])
  })
}
