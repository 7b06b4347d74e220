import { afterEach, describe, expect, it, vi } from 'vitest'
import { prepareWrite } from '../src/cache/entry'
import type { ResolvedOptions } from '../src/cache/options'
import { coarseSystemClock } from '../src/clock'
import type { StoreEntry } from '../src/contracts/store'
import { ConfigurationError, createCache, createCodec, type Store } from '../src/index'
import { deferred, flush } from './helpers/deferred'
import { mapL1, mapStore } from './helpers/stores'

afterEach(() => {
  vi.useRealTimers()
  vi.restoreAllMocks()
})

describe('L1 ownership', () => {
  it('refuses an L1 tier another open cache uses, and frees it on close', async () => {
    const l1 = mapL1()
    const first = await createCache({ l1, namespace: 'a' })
    const error = await createCache({ l1, namespace: 'b' }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ConfigurationError)
    expect((error as Error).message).toMatch(/already used by another open cache/)
    await first.close()
    const second = await createCache({ l1, namespace: 'b' })
    await second.set('k', 1)
    expect(await second.get('k')).toBe(1)
    await second.close()
  })

  it('keys L1 without the namespace and still keeps namespaces apart in L2', async () => {
    const store = mapStore()
    const l1a = mapL1()
    const a = await createCache({ store, l1: l1a, namespace: 'a' })
    const b = await createCache({ store, l1: mapL1(), namespace: 'b' })
    await a.set('k', 'from a')
    await b.set('k', 'from b')
    expect([...l1a.keys()]).toEqual(['k'])
    expect([...store.data.keys()].sort()).toEqual(['a:k', 'b:k'])
    expect(await a.get('k')).toBe('from a')
    expect(await b.get('k')).toBe('from b')
    await Promise.all([a.close(), b.close()])
  })
})

describe('hot hits', () => {
  it('hand every hit of a frozen value the same settled promise of the same object', async () => {
    const cache = await createCache({ l1: mapL1() })
    await cache.set('k', { nested: [1, 2] })
    const first = cache.get('k')
    const second = cache.get<{ nested: number[] }>('k')
    expect(second).toBe(first)
    const value = await second
    expect(value).toEqual({ nested: [1, 2] })
    expect(Object.isFrozen(value) && Object.isFrozen(value?.nested)).toBe(true)
    expect(await cache.getOrSet('k', () => ({ nested: [] }))).toBe(value)
    await cache.close()
  })

  it('give each hit of a value that cannot be frozen its own copy', async () => {
    // A serializer that decodes to a Map: freezing cannot protect one, so L1 keeps bytes.
    const mapSerializer = {
      id: 'test-map',
      serialize: (value: unknown) =>
        new TextEncoder().encode(JSON.stringify([...(value as Map<string, number>)])),
      deserialize: (bytes: Uint8Array) =>
        new Map<string, number>(JSON.parse(new TextDecoder().decode(bytes))),
    }
    const cache = await createCache({ l1: mapL1(), codec: createCodec({ serializer: mapSerializer }) })
    await cache.set('m', new Map([['a', 1]]))
    const first = cache.get<Map<string, number>>('m')
    const second = cache.get<Map<string, number>>('m')
    expect(second).not.toBe(first)
    ;(await first)?.set('a', 2)
    expect((await second)?.get('a')).toBe(1)
    await cache.close()
  })

  it('still validate unusual keys on the hot path', async () => {
    const cache = await createCache({ l1: mapL1(), maxKeyBytes: 12 })
    await expect(cache.get('x'.repeat(13))).rejects.toMatchObject({ code: 'INVALID_KEY' })
    await expect(cache.get('é'.repeat(7))).rejects.toMatchObject({ code: 'INVALID_KEY' })
    await expect(cache.get('')).rejects.toMatchObject({ code: 'INVALID_KEY' })
    await expect(cache.get(5 as unknown as string)).rejects.toMatchObject({ code: 'INVALID_KEY' })
    await cache.close()
    await expect(cache.get('k')).rejects.toMatchObject({ code: 'CLOSED' })
  })
})

describe('coarseSystemClock', () => {
  it('reuses one reading for at most 32 further reads, then reads the clock again', () => {
    let time = 1_000
    vi.spyOn(Date, 'now').mockImplementation(() => time)
    // Drain any reading left by earlier calls.
    for (let i = 0; i < 40; i++) coarseSystemClock()
    time = 2_000
    const seen = Array.from({ length: 40 }, () => coarseSystemClock())
    expect(seen.filter((t) => t === 2_000).length).toBeGreaterThanOrEqual(8)
    expect(seen.at(-1)).toBe(2_000)
  })

  it('drops its reading when its 1 ms timer fires', async () => {
    let time = 1_000
    vi.spyOn(Date, 'now').mockImplementation(() => time)
    coarseSystemClock()
    time = 3_000
    await new Promise((resolve) => setTimeout(resolve, 5))
    expect(coarseSystemClock()).toBe(3_000)
  })

  it('reads the clock every time while fake timers replace Date', async () => {
    vi.useFakeTimers()
    vi.setSystemTime(10_000)
    expect(coarseSystemClock()).toBe(10_000)
    vi.setSystemTime(20_000)
    expect(coarseSystemClock()).toBe(20_000)
  })

  it('lets a cache on the system clock expire entries with fake timers', async () => {
    vi.useFakeTimers()
    vi.setSystemTime(1_000_000)
    const cache = await createCache({ l1: mapL1() })
    await cache.set('k', 1, { ttl: 1_000 })
    expect(await cache.get('k')).toBe(1)
    vi.setSystemTime(1_001_001)
    expect(await cache.get('k')).toBeUndefined()
    await cache.close()
  })
})

describe('reply order', () => {
  // Every promise link between a store's reply and the caller is a microtask turn in which the other
  // callers' continuations run first. With 50 callers on Redis (W2), a `set` eight links deep settled
  // after every `get` answered in the same socket read, about 0.5 ms late at the median.
  it('settles a set whose reply came first before a get answered right after it', async () => {
    const inner = mapStore()
    const seed = await createCache({ store: inner, namespace: 't' })
    await seed.set('a', { n: 1 })
    await seed.close()
    const setReply = deferred()
    const getReply = deferred<Uint8Array | undefined>()
    const store: Store = {
      ...inner,
      set: (key, value, ttlMs) => {
        void inner.set(key, value, ttlMs) // stores synchronously; the reply waits for the test
        return setReply.promise
      },
      get: () => getReply.promise,
    }
    const cache = await createCache({ store, namespace: 't' })
    const order: string[] = []
    const setting = cache.set('b', { n: 2 }).then(() => order.push('set'))
    const getting = cache.get('a').then((value) => order.push(`get ${JSON.stringify(value)}`))
    await flush()
    setReply.resolve()
    getReply.resolve(inner.data.get('t:a')!.value.slice())
    await Promise.all([setting, getting])
    expect(order).toEqual(['set', 'get {"n":1}'])
    expect(inner.data.has('t:b')).toBe(true)
    await cache.close()
  })
})

describe('per-call objects', () => {
  // V8 tracks where each literal is allocated; once most objects of a site survive a GC (a full GC whose
  // marking overlaps a burst of concurrent calls), every later one goes to the old generation for the
  // life of the process. Objects that live for one call must not come from literals (see `Meta`): in W6,
  // one literal so pretenured cost ours about a third of its throughput.
  const isLiteral = (value: unknown) => Object.getPrototypeOf(value) === Object.prototype

  it('sends L2 writes, their metadata and the metadata read back as class instances, not literals', async () => {
    const store = mapStore()
    const written: StoreEntry[] = []
    const setMany = store.setMany.bind(store)
    store.setMany = (entries) => {
      written.push(...entries)
      return setMany(entries)
    }
    const codec = createCodec()
    const cache = await createCache({ store, codec })
    await cache.setMany([
      { key: 'a', value: { n: 1 } },
      { key: 'b', value: { n: 2 } },
    ])
    expect(written).toHaveLength(2)
    for (const entry of written) expect(isLiteral(entry)).toBe(false)
    const opened = await codec.open(written[0]!.value, 'cache:a')
    expect(opened?.meta.expiresAt).toBeGreaterThan(Date.now())
    expect(isLiteral(opened!.meta)).toBe(false)
    await cache.close()
  })

  it('prepares writes and their metadata as class instances', () => {
    const write = prepareWrite(
      'k',
      'cache:k',
      { n: 1 },
      {},
      {
        serializer: createCodec().serializer,
        settings: { defaultTtlMs: 60_000, graceMs: 0, maxEntryBytes: 1 << 20 } as ResolvedOptions,
        now: Date.now(),
      },
    )
    expect(isLiteral(write)).toBe(false)
    expect(isLiteral(write.meta)).toBe(false)
    expect({ ...write.meta }).toEqual({
      createdAt: write.meta.createdAt,
      expiresAt: write.meta.createdAt + 60_000,
      staleUntil: write.meta.createdAt + 60_000,
      tags: [],
    })
  })

  it('gives untagged writes one shared, frozen empty tag list', () => {
    const settings = { defaultTtlMs: 60_000, graceMs: 0, maxEntryBytes: 1 << 20 } as ResolvedOptions
    const context = { serializer: createCodec().serializer, settings, now: Date.now() }
    const first = prepareWrite('a', 'cache:a', 1, {}, context)
    const second = prepareWrite('b', 'cache:b', 2, { tags: [] }, context)
    expect(second.meta.tags).toBe(first.meta.tags)
    expect(Object.isFrozen(first.meta.tags)).toBe(true)
  })
})
