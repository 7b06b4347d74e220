import { describe, expect, it } from 'vitest'
import {
  CacheError,
  type CacheEvents,
  createCache,
  createCodec,
  type Store,
  utf8Decode,
  utf8Encode,
  ValidationError,
} from '../src/index'
import { chaosStore, mapL1, mapStore } from './helpers/stores'

const clock = (start = 1_700_000_000_000) => {
  const c = { now: start, fn: () => c.now }
  return c
}

/** Counts the batch calls a cache makes to its store. */
function counting(inner: Store) {
  const calls = { getMany: [] as string[][], setMany: 0, set: 0, get: 0 }
  const store: Store = {
    ...inner,
    getMany: (keys) => {
      calls.getMany.push([...keys])
      return inner.getMany(keys)
    },
    setMany: (entries) => {
      calls.setMany++
      return inner.setMany(entries)
    },
    set: (key, value, ttlMs) => {
      calls.set++
      return inner.set(key, value, ttlMs)
    },
    get: (key) => {
      calls.get++
      return inner.get(key)
    },
  }
  return { store, calls }
}

/** A loader that records each call and answers after `ms`, or when released. */
function recordingLoader(ms = 0) {
  const calls: string[][] = []
  const load = async (keys: string[]) => {
    calls.push(keys)
    if (ms) await new Promise((resolve) => setTimeout(resolve, ms))
    return keys.map((k) => `loaded:${k}`)
  }
  return { calls, load }
}

describe('getOrSetMany', () => {
  it('reads L1, then one L2 getMany, then calls the loader once with only the missing keys', async () => {
    const { store, calls } = counting(mapStore())
    const l1 = mapL1()
    const cache = await createCache({ store, l1, namespace: 'b' })
    await cache.set('inL1', 'one')
    // Only in L2: dropped from this L1 after writing.
    await cache.set('inL2', 'two')
    l1.delete('inL2')
    calls.getMany.length = 0
    calls.set = 0
    const loader = recordingLoader()
    const values = await cache.getOrSetMany(['x', 'inL1', 'y', 'inL2', 'x'], loader.load, { ttl: '1m' })
    expect(values).toEqual(['loaded:x', 'one', 'loaded:y', 'two', 'loaded:x'])
    expect(calls.getMany).toEqual([['b:x', 'b:y', 'b:inL2']])
    expect(loader.calls).toEqual([['x', 'y']])
    expect(calls.setMany).toBe(1)
    expect(calls.set).toBe(0)
    // Now every key is cached: no L2 read and no loader call.
    expect(await cache.getOrSetMany(['x', 'y', 'inL2'], loader.load)).toEqual(['loaded:x', 'loaded:y', 'two'])
    expect(calls.getMany).toHaveLength(1)
    expect(loader.calls).toHaveLength(1)
    expect(await cache.get('y')).toBe('loaded:y')
    await cache.close()
  })

  it('fills every position of a key listed more than once, however its value was found', async () => {
    const { store, calls } = counting(mapStore())
    const l1 = mapL1()
    const cache = await createCache({ store, l1, namespace: 'rep' })
    await cache.set('hot', 'H')
    await cache.set('warm', 'W')
    l1.delete('warm')
    // 'busy' is being loaded by getOrSet: the batch joins it, at both of its positions.
    let release: (value: string) => void = () => {}
    let started: () => void = () => {}
    const loading = new Promise<void>((resolve) => (started = resolve))
    const pending = cache.getOrSet(
      'busy',
      () =>
        new Promise<string>((resolve) => {
          release = resolve
          started()
        }),
    )
    await loading
    calls.getMany.length = 0
    const loader = recordingLoader()
    const batch = cache.getOrSetMany(
      ['new', 'busy', 'warm', 'hot', 'gone', 'new', 'warm', 'busy', 'hot', 'gone', 'new'],
      async (keys) => (await loader.load(keys)).map((value, i) => (keys[i] === 'gone' ? undefined : value)),
    )
    release('B')
    expect(await batch).toEqual([
      'loaded:new',
      'B',
      'W',
      'H',
      undefined,
      'loaded:new',
      'W',
      'B',
      'H',
      undefined,
      'loaded:new',
    ])
    expect(await pending).toBe('B')
    // Each key read and loaded once, in the order of its first position.
    expect(calls.getMany).toEqual([['rep:new', 'rep:warm', 'rep:gone']])
    expect(loader.calls).toEqual([['new', 'gone']])
    await cache.close()
  })

  it('works with L1 only and L2 only, and returns [] for no keys without calling the loader', async () => {
    for (const tiers of [{ l1: mapL1() }, { store: mapStore() }]) {
      const cache = await createCache({ ...tiers, namespace: 't' })
      const loader = recordingLoader()
      expect(await cache.getOrSetMany([], loader.load)).toEqual([])
      expect(await cache.getOrSetMany(['a', 'b'], loader.load)).toEqual(['loaded:a', 'loaded:b'])
      expect(await cache.getOrSetMany(['a', 'b', 'c'], loader.load)).toEqual([
        'loaded:a',
        'loaded:b',
        'loaded:c',
      ])
      expect(loader.calls).toEqual([['a', 'b'], ['c']])
      await cache.close()
    }
  })

  it('accepts an array with undefined, a Map or a plain object; a missing value caches nothing', async () => {
    const cache = await createCache({ store: mapStore(), l1: mapL1(), namespace: 'shapes' })
    expect(await cache.getOrSetMany(['a1', 'a2'], async () => [undefined, null])).toEqual([undefined, null])
    expect(await cache.getOrSetMany(['m1', 'm2'], async () => new Map([['m2', { n: 2 }]]))).toEqual([
      undefined,
      { n: 2 },
    ])
    expect(await cache.getOrSetMany(['r1', 'r2'], () => ({ r1: 'R1' }))).toEqual(['R1', undefined])
    for (const key of ['a1', 'm1', 'r2']) expect(await cache.has(key)).toBe(false)
    expect(await cache.get('a2')).toBeNull()
    expect(await cache.get('m2')).toEqual({ n: 2 })
    expect(await cache.get('r1')).toBe('R1')
    await cache.close()
  })

  it('returns what the cache holds, not the loader objects, and L1 values stay immutable', async () => {
    const cache = await createCache({ store: mapStore(), l1: mapL1(), namespace: 'imm' })
    const original = { list: [1] }
    const [value] = await cache.getOrSetMany(['k'], async () => [original])
    expect(value).toEqual({ list: [1] })
    original.list.push(2)
    expect(await cache.get('k')).toEqual({ list: [1] })
    await cache.close()
  })

  it('rejects a loader result that breaks the contract with a ValidationError and caches nothing', async () => {
    const { store, calls } = counting(mapStore())
    const cache = await createCache({ store, l1: mapL1(), namespace: 'bad' })
    const cases: [unknown, RegExp][] = [
      [['only one'], /returned 1 values for 2 keys/],
      [new Map([['zz', 1]]), /returned key "zz", which it was not asked for/],
      [{ a: 1, zz: 2 }, /returned key "zz"/],
      ['nope', /must return an array, a Map or a plain object/],
      [undefined, /must return an array, a Map or a plain object/],
    ]
    for (const [result, message] of cases) {
      const error = await cache
        .getOrSetMany(['a', 'b'], async () => result as string[])
        .catch((e: unknown) => e as ValidationError)
      expect(error).toBeInstanceOf(ValidationError)
      expect((error as ValidationError).code).toBe('INVALID_LOADER_RESULT')
      expect((error as ValidationError).message).toMatch(message)
    }
    // A value that cannot be cached fails the whole batch: nothing is written, not even the good one.
    await expect(cache.getOrSetMany(['a', 'b'], async () => ['fine', () => 1])).rejects.toBeInstanceOf(
      ValidationError,
    )
    expect(calls.setMany + calls.set).toBe(0)
    expect(await cache.getMany(['a', 'b'])).toEqual([undefined, undefined])
    await cache.close()
  })

  it('validates keys, loader and options before anything runs', async () => {
    const cache = await createCache({ l1: mapL1(), namespace: 'v' })
    const loader = recordingLoader()
    await expect(cache.getOrSetMany(['ok', ''], loader.load)).rejects.toMatchObject({ code: 'INVALID_KEY' })
    await expect(cache.getOrSetMany('ab' as unknown as string[], loader.load)).rejects.toBeInstanceOf(
      ValidationError,
    )
    await expect(cache.getOrSetMany(['ok'], 'x' as never)).rejects.toBeInstanceOf(ValidationError)
    await expect(cache.getOrSetMany(['ok'], loader.load, { ttl: -1 })).rejects.toMatchObject({
      code: 'INVALID_TTL',
    })
    await expect(cache.getOrSetMany(['ok'], loader.load, { tags: [''] })).rejects.toBeInstanceOf(
      ValidationError,
    )
    expect(loader.calls).toEqual([])
    await cache.close()
    await expect(cache.getOrSetMany(['ok'], loader.load)).rejects.toBeInstanceOf(CacheError)
  })

  it('never loads a key twice while it is in flight, across getOrSetMany and getOrSet', async () => {
    const cache = await createCache({ store: mapStore(), l1: mapL1(), namespace: 'sf' })
    const loader = recordingLoader(20)
    let singleCalls = 0
    const single = async () => {
      singleCalls++
      await new Promise((resolve) => setTimeout(resolve, 20))
      return 'single:c'
    }
    const [first, second, viaGetOrSet, third] = await Promise.all([
      cache.getOrSetMany(['a', 'b'], loader.load),
      cache.getOrSetMany(['b', 'c', 'd'], loader.load),
      cache.getOrSet('a', single),
      cache.getOrSetMany(['a', 'b', 'c', 'd'], loader.load),
    ])
    // The second batch found b in flight (joined it) and claimed c and d before getOrSet('c') ran.
    expect(loader.calls).toEqual([
      ['a', 'b'],
      ['c', 'd'],
    ])
    expect(singleCalls).toBe(0)
    expect(first).toEqual(['loaded:a', 'loaded:b'])
    expect(second).toEqual(['loaded:b', 'loaded:c', 'loaded:d'])
    expect(viaGetOrSet).toBe('loaded:a')
    expect(third).toEqual(['loaded:a', 'loaded:b', 'loaded:c', 'loaded:d'])

    // A batch joins a getOrSet already in flight.
    const pending = cache.getOrSet('e', single)
    expect(await cache.getOrSetMany(['e', 'f'], loader.load)).toEqual(['single:c', 'loaded:f'])
    expect(await pending).toBe('single:c')
    expect(singleCalls).toBe(1)
    expect(loader.calls.at(-1)).toEqual(['f'])
    expect(cache.stats().loads).toBe(4)
    await cache.close()
  })

  it('a loader error rejects every caller waiting on those keys and caches nothing', async () => {
    const cache = await createCache({ store: mapStore(), l1: mapL1(), namespace: 'err' })
    let calls = 0
    const failing = async () => {
      calls++
      await new Promise((resolve) => setTimeout(resolve, 10))
      throw new Error('upstream down')
    }
    const settled = await Promise.allSettled([
      cache.getOrSetMany(['a', 'b'], failing),
      cache.getOrSet('a', async () => 'never'),
      cache.getOrSetMany(['b'], failing),
    ])
    expect(calls).toBe(1)
    for (const s of settled) expect((s as PromiseRejectedResult).reason.message).toBe('upstream down')
    expect(await cache.getMany(['a', 'b'])).toEqual([undefined, undefined])
    expect(await cache.getOrSetMany(['a', 'b'], async () => ['A', 'B'])).toEqual(['A', 'B'])
    await cache.close()
  })

  it('serves stale values within grace when the loader fails, like getOrSet', async () => {
    const c = clock()
    const cache = await createCache({ store: mapStore(c.fn), l1: mapL1(), namespace: 'g', now: c.fn })
    const options = { ttl: '1m', grace: '1h' } as const
    await cache.getOrSetMany(['a', 'b'], async () => ['a1', 'b1'], options)
    c.now += 120_000
    const errors: CacheEvents['error'][] = []
    cache.on('error', (e) => errors.push(e))
    const failing = async () => {
      throw new Error('upstream down')
    }
    expect(await cache.getOrSetMany(['a', 'b'], failing, options)).toEqual(['a1', 'b1'])
    expect(errors.map((e) => [e.tier, e.operation, e.key])).toEqual([
      ['loader', 'getOrSetMany', 'a'],
      ['loader', 'getOrSetMany', 'b'],
    ])
    expect(cache.stats().staleServed).toBe(2)
    // One key without a stale value: the call rejects (the others' stale values alone do not answer it).
    await expect(cache.getOrSetMany(['a', 'new'], failing, options)).rejects.toThrow('upstream down')
    c.now += 3_600_000
    await expect(cache.getOrSetMany(['a'], failing, options)).rejects.toThrow('upstream down')
    await cache.close()
  })

  it('with L2 down the loader still runs and its values are returned', async () => {
    const chaos = chaosStore(mapStore())
    const cache = await createCache({ store: chaos, l1: mapL1(), namespace: 'down' })
    chaos.mode = 'fail'
    const errors: string[] = []
    cache.on('error', (e) => errors.push(`${e.tier}:${e.operation}`))
    const loader = recordingLoader()
    expect(await cache.getOrSetMany(['a', 'b'], loader.load)).toEqual(['loaded:a', 'loaded:b'])
    expect(loader.calls).toEqual([['a', 'b']])
    expect(errors).toEqual(['l2:getMany', 'l2:set'])
    expect(cache.stats().failedL2Writes).toBe(2)
    // L1 serves them meanwhile.
    expect(await cache.getOrSetMany(['a', 'b'], loader.load)).toEqual(['loaded:a', 'loaded:b'])
    expect(loader.calls).toHaveLength(1)
    await cache.close()
  })

  it('counts stats and emits events like getOrSet', async () => {
    const store = mapStore()
    const l1 = mapL1()
    const cache = await createCache({ store, l1, namespace: 'st' })
    await cache.set('l2', 2)
    l1.delete('l2')
    await cache.set('l1', 1)
    const before = cache.stats()
    const events: string[] = []
    for (const name of ['hit', 'miss', 'set'] as const) {
      cache.on(name, (e: CacheEvents[typeof name]) => events.push(`${name}:${e.tier}:${e.key}`))
    }
    const seen: string[][] = []
    await cache.getOrSetMany(['l1', 'l2', 'new'], async (keys) => {
      seen.push(keys)
      return keys.map(() => 3)
    })
    expect(seen).toEqual([['new']])
    const after = cache.stats()
    expect(after.totalOperations - before.totalOperations).toBe(1)
    expect(after.loads - before.loads).toBe(1)
    expect(after.misses - before.misses).toBe(1)
    expect(after.tiers.l1.hits - before.tiers.l1.hits).toBe(1)
    expect(after.tiers.l1.misses - before.tiers.l1.misses).toBe(2)
    expect(after.tiers.l2.hits - before.tiers.l2.hits).toBe(1)
    expect(after.tiers.l2.misses - before.tiers.l2.misses).toBe(1)
    // L2 events come in decoding order, which may differ from key order.
    expect(events.slice(0, 3)).toEqual(['hit:l1:l1', 'miss:l1:l2', 'miss:l1:new'])
    expect(events.slice(3, 5).sort()).toEqual(['hit:l2:l2', 'miss:l2:new'])
    expect(events.slice(5)).toEqual(['set:l2:new', 'set:l1:new'])
    await cache.close()
  })
})

describe('getMany', () => {
  it('L1 keeps its own copy of the bytes of a value it cannot freeze, never a view of an L2 reply', async () => {
    const inner = mapStore()
    // A store handing out its own buffers (no copy), as a client reply buffer would be.
    const replies: Uint8Array[] = []
    const store: Store = {
      ...inner,
      getMany: async (keys) => {
        const values = keys.map((k) => inner.data.get(k)?.value)
        for (const v of values) if (v) replies.push(v)
        return values
      },
    }
    const dates = {
      id: 'dates',
      serialize: (v: unknown) => utf8Encode(String((v as Date).getTime())),
      deserialize: (b: Uint8Array) => new Date(Number(utf8Decode(b))),
    }
    const codec = createCodec({ serializer: dates })
    await (await createCache({ store, codec, namespace: 'own' })).set('d', new Date(5))
    const l1 = mapL1()
    const reader = await createCache({ store, l1, codec, namespace: 'own' })
    expect(await reader.getMany(['d'])).toEqual([new Date(5)])
    expect(l1.get('d')?.payload).toBeDefined()
    for (const reply of replies) reply.fill(0)
    expect(await reader.get('d')).toEqual(new Date(5))
    await reader.close()
  })
})
