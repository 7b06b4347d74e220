import { describe, expect, it } from 'vitest'
import { CacheError, type CacheEvents, createCache, createCodec, webCryptoEncryptor } from '../src/index'
import { mapL1, mapStore } from './helpers/stores'

const clock = (start = 1_700_000_000_000) => {
  const c = { now: start, fn: () => c.now }
  return c
}

describe('tiers', () => {
  it('works with L1 only, L2 only, and both', async () => {
    for (const tiers of [{ l1: mapL1() }, { store: mapStore() }, { l1: mapL1(), store: mapStore() }]) {
      const cache = await createCache({ ...tiers, namespace: 't' })
      await cache.set('a', [1, 'two'])
      expect(await cache.get('a')).toEqual([1, 'two'])
      expect(await cache.delete('a')).toBe(true)
      expect(await cache.get('a')).toBeUndefined()
      await cache.close()
    }
  })

  it('writes L2 then L1, and emits events naming the tier', async () => {
    const store = mapStore()
    const cache = await createCache({ store, l1: mapL1(), namespace: 'ev' })
    const events: string[] = []
    for (const name of ['hit', 'miss', 'set', 'delete'] as const) {
      cache.on(name, (e: CacheEvents[typeof name]) => events.push(`${name}:${e.tier}:${e.key}`))
    }
    await cache.get('k')
    await cache.set('k', 1)
    expect(store.data.has('ev:k')).toBe(true)
    await cache.get('k')
    await cache.delete('k')
    expect(events).toEqual(['miss:l1:k', 'miss:l2:k', 'set:l2:k', 'set:l1:k', 'hit:l1:k', 'delete:l2:k'])
  })

  it('backfills L1 from L2 with the remaining TTL and getMany uses one L2 call for the misses', async () => {
    const c = clock()
    const store = mapStore(c.fn)
    const writer = await createCache({ store, l1: mapL1(), namespace: 'bf', now: c.fn })
    await writer.setMany([
      { key: 'a', value: 'A', ttl: '10s' },
      { key: 'b', value: 'B', ttl: '20s' },
    ])
    c.now += 5_000
    const l1 = mapL1()
    let getManyCalls = 0
    const counting = {
      ...store,
      getMany: (keys: readonly string[]) => {
        getManyCalls++
        return store.getMany(keys)
      },
    }
    const reader = await createCache({ store: counting, l1, namespace: 'bf', now: c.fn })
    expect(await reader.getMany(['a', 'missing', 'b'])).toEqual(['A', undefined, 'B'])
    expect(getManyCalls).toBe(1)
    expect(l1.get('a')?.expiresAt).toBe(c.now + 5_000)
    expect(l1.get('b')?.expiresAt).toBe(c.now + 15_000)
    c.now += 5_001
    expect(await reader.get('a')).toBeUndefined()
    expect(await reader.get('b')).toBe('B')
  })

  it('getMany decodes plain and encrypted entries alike, and reads a corrupt one as a deleted miss', async () => {
    const store = mapStore()
    const key = new Uint8Array(32).fill(3)
    const encrypted = createCodec({ encryptor: webCryptoEncryptor({ keys: { k: key }, current: 'k' }) })
    const writer = await createCache({ store, namespace: 'mix', codec: encrypted })
    await writer.set('secret', { s: 1 })
    const plain = await createCache({ store, namespace: 'mix' })
    await plain.set('open', { o: 2 })
    await plain.set('broken', { b: 3 })
    const bytes = store.data.get('mix:broken')!.value
    bytes[bytes.length - 5]! ^= 0xff
    const errors: string[] = []
    const reader = await createCache({
      store,
      namespace: 'mix',
      codec: createCodec({ encryptor: webCryptoEncryptor({ keys: { k: key }, current: 'k' }) }),
    })
    reader.on('error', (e) => errors.push(e.operation))
    expect(await reader.getMany(['secret', 'open', 'broken', 'absent'])).toEqual([
      { s: 1 },
      { o: 2 },
      undefined,
      undefined,
    ])
    expect(errors).toEqual(['decode'])
    await new Promise((resolve) => setTimeout(resolve, 0))
    expect(store.data.has('mix:broken')).toBe(false)
    expect(reader.stats().tiers.l2).toMatchObject({ hits: 2, misses: 2 })
  })

  it('get and getOrSet decode plain and encrypted entries alike, and read a corrupt one as a deleted miss', async () => {
    const store = mapStore()
    const key = new Uint8Array(32).fill(4)
    const encrypted = () => createCodec({ encryptor: webCryptoEncryptor({ keys: { k: key }, current: 'k' }) })
    const writer = await createCache({ store, namespace: 'one', codec: encrypted() })
    await writer.set('secret', { s: 1 })
    const plain = await createCache({ store, namespace: 'one' })
    await plain.set('open', { o: 2 })
    await plain.set('broken', { b: 3 })
    const bytes = store.data.get('one:broken')!.value
    bytes[bytes.length - 5]! ^= 0xff
    const errors: string[] = []
    const reader = await createCache({ store, l1: mapL1(), namespace: 'one', codec: encrypted() })
    reader.on('error', (e) => errors.push(e.operation))
    expect(await reader.get('secret')).toEqual({ s: 1 })
    expect(await reader.getOrSet('open', () => ({ o: 'loaded' }))).toEqual({ o: 2 })
    expect(await reader.get('broken')).toBeUndefined()
    expect(errors).toEqual(['decode'])
    await new Promise((resolve) => setTimeout(resolve, 0))
    expect(store.data.has('one:broken')).toBe(false)
    expect(reader.stats().tiers.l2).toMatchObject({ hits: 2, misses: 1 })
    expect(reader.stats().loads).toBe(0)
  })

  it('supports no expiry with ttl Infinity', async () => {
    const c = clock()
    const cache = await createCache({ store: mapStore(c.fn), l1: mapL1(), now: c.fn })
    await cache.set('forever', 1, { ttl: Number.POSITIVE_INFINITY })
    c.now += 10 * 365 * 86_400_000
    expect(await cache.get('forever')).toBe(1)
  })

  it('wrap caches a function by the key it builds', async () => {
    const cache = await createCache({ l1: mapL1() })
    let calls = 0
    const square = cache.wrap(
      async (n: number) => {
        calls++
        return n * n
      },
      { key: (n) => `square:${n}`, ttl: '1m' },
    )
    expect(await square(4)).toBe(16)
    expect(await square(4)).toBe(16)
    expect(await square(5)).toBe(25)
    expect(calls).toBe(2)
  })

  it('a stampede of getOrSet on a cold key reads L2 once, loads once, and counts one miss', async () => {
    const store = mapStore()
    let l2Reads = 0
    const get = store.get.bind(store)
    store.get = (key) => {
      l2Reads++
      return get(key)
    }
    const cache = await createCache({ store, l1: mapL1(), namespace: 'st' })
    let loads = 0
    const loader = async () => {
      loads++
      await new Promise((resolve) => setTimeout(resolve, 5))
      return { n: 1 }
    }
    const values = await Promise.all(Array.from({ length: 50 }, () => cache.getOrSet('cold', loader)))
    expect(values.every((v) => v.n === 1)).toBe(true)
    expect({ loads, l2Reads, misses: cache.stats().misses }).toEqual({ loads: 1, l2Reads: 1, misses: 1 })
    expect(await cache.getOrSet('cold', loader)).toEqual({ n: 1 })
    expect({ loads, l2Reads }).toEqual({ loads: 1, l2Reads: 1 })
  })

  it('getOrSet returns what get would return later (the codec round trip), and caches nothing for undefined', async () => {
    const cache = await createCache({ store: mapStore(), l1: mapL1() })
    const when = new Date(0)
    expect(await cache.getOrSet('d', () => ({ when }))).toEqual({ when: when.toISOString() })
    expect(await cache.get('d')).toEqual({ when: when.toISOString() })
    expect(await cache.getOrSet('u', () => undefined)).toBeUndefined()
    expect(await cache.has('u')).toBe(false)
  })

  it('serves a stale value within grace when the loader fails, and throws after grace', async () => {
    const c = clock()
    const cache = await createCache({ store: mapStore(c.fn), l1: mapL1(), now: c.fn })
    const errors: string[] = []
    cache.on('error', (e) => errors.push(`${e.tier}:${e.operation}`))
    await cache.getOrSet('w', () => 'v1', { ttl: '1m', grace: '1h' })
    c.now += 2 * 60_000
    expect(await cache.get('w')).toBeUndefined()
    const failing = () => Promise.reject(new Error('upstream down'))
    expect(await cache.getOrSet('w', failing, { ttl: '1m', grace: '1h' })).toBe('v1')
    expect(cache.stats().staleServed).toBe(1)
    expect(errors).toContain('loader:getOrSet')
    c.now += 2 * 3_600_000
    await expect(cache.getOrSet('w', failing, { ttl: '1m', grace: '1h' })).rejects.toThrow('upstream down')
  })

  it('deleteByTag removes tagged entries in every tier of this namespace only', async () => {
    const store = mapStore()
    const cache = await createCache({ store, l1: mapL1(), namespace: 'tags' })
    const other = await createCache({ store, l1: mapL1(), namespace: 'other' })
    await cache.set('p1', 1, { tags: ['user:1'] })
    await cache.set('p2', 2, { tags: ['user:1', 'x'] })
    await cache.set('p3', 3, { tags: ['user:2'] })
    await other.set('p1', 1, { tags: ['user:1'] })
    expect(await cache.deleteByTag('user:1')).toBe(2)
    expect(await cache.getMany(['p1', 'p2', 'p3'])).toEqual([undefined, undefined, 3])
    expect(await other.get('p1')).toBe(1)
  })

  it('keeps the tags a write was given, whatever the caller does to its array afterwards', async () => {
    for (const tiers of [{ l1: mapL1() }, { l1: mapL1(), store: mapStore() }]) {
      const cache = await createCache({ ...tiers, namespace: 'tag-copy' })
      const tags = ['user:1']
      const written = cache.set('k', 1, { tags })
      tags[0] = 'user:2'
      await written
      tags.push('user:3')
      expect(await cache.deleteByTag('user:2')).toBe(0)
      expect(await cache.deleteByTag('user:3')).toBe(0)
      expect(await cache.get('k')).toBe(1)
      expect(await cache.deleteByTag('user:1')).toBeGreaterThan(0)
      expect(await cache.get('k')).toBeUndefined()
      await cache.close()
    }
  })

  it('clear removes only its own namespace from L1 and L2', async () => {
    const store = mapStore()
    const a = await createCache({ store, l1: mapL1(), namespace: 'a' })
    await store.set('a-other', new Uint8Array([1]))
    await a.set('k', 1)
    await a.clear()
    expect(await a.get('k')).toBeUndefined()
    expect(store.data.has('a-other')).toBe(true)
  })

  it('close is idempotent and later calls reject with code CLOSED', async () => {
    const cache = await createCache({ l1: mapL1() })
    await cache.close()
    await cache.close()
    const error = await cache.get('k').catch((e: unknown) => e)
    expect(error).toBeInstanceOf(CacheError)
    expect((error as CacheError).code).toBe('CLOSED')
  })
})

describe('stats', () => {
  it('hitRatio is hits / (hits + misses) and 0 before any read', async () => {
    const cache = await createCache({ store: mapStore(), l1: mapL1() })
    expect(cache.stats().hitRatio).toBe(0)
    await cache.set('a', 1)
    expect(cache.stats().hitRatio).toBe(0)
    await cache.get('a')
    await cache.get('a')
    await cache.get('a')
    await cache.get('missing')
    await cache.has('a')
    const s = cache.stats()
    expect(s.hits).toBe(3)
    expect(s.misses).toBe(1)
    expect(s.hitRatio).toBe(0.75)
    expect(s.totalOperations).toBe(6)
    expect(s.tiers.l1).toMatchObject({ hits: 3, misses: 1, size: 1 })
    expect(s.tiers.l2).toEqual({ hits: 0, misses: 1 })
    expect(s.circuit).toBe('closed')
    expect(s.memoryUsage.totalMb).toBeGreaterThan(0)
  })

  it('counts an L2 hit after an L1 miss as one hit overall', async () => {
    const store = mapStore()
    await (await createCache({ store, namespace: 's' })).set('k', 1)
    const reader = await createCache({ store, l1: mapL1(), namespace: 's' })
    await reader.get('k')
    const s = reader.stats()
    expect([s.hits, s.misses, s.tiers.l1.misses, s.tiers.l2.hits]).toEqual([1, 0, 1, 1])
  })
})
