import { describe, expect, it } from 'vitest'
import { createCache, createCodec, type L1Entry, type L1Tier, type Serializer } from '../src/index'
import { mapL1, mapStore } from './helpers/stores'

/** A map L1 with `getResolved`, recording which of its lookups the cache used. */
function resolvingL1(): L1Tier & { data: Map<string, L1Entry>; calls: string[] } {
  const base = mapL1()
  const calls: string[] = []
  return Object.assign(base, {
    calls,
    get(key: string) {
      calls.push(`get ${key}`)
      return base.data.get(key)
    },
    getResolved(key: string, now: number) {
      calls.push(`getResolved ${key}`)
      const entry = base.data.get(key)
      return entry !== undefined && entry.expiresAt > now ? entry.resolved : undefined
    },
  })
}

/** Stores Maps as JSON pairs: its values cannot be frozen, so L1 keeps them as bytes. */
const mapSerializer: Serializer = {
  id: 'test-map',
  serialize: (value) => new TextEncoder().encode(JSON.stringify([...(value as Map<string, number>)])),
  deserialize: (bytes) => new Map(JSON.parse(new TextDecoder().decode(bytes))),
}

describe('an L1 with getResolved()', () => {
  it('serves a fresh frozen entry from it alone: the same settled promise each time, counted as a hit', async () => {
    const l1 = resolvingL1()
    const cache = await createCache({ l1, now: () => 1_000 })
    const hits: string[] = []
    cache.on('hit', ({ key, tier }) => hits.push(`${tier} ${key}`))
    await cache.set('user:1', { name: 'Ada' }, { ttl: 60_000 })
    l1.calls.length = 0

    const first = cache.get('user:1')
    const second = cache.getOrSet('user:1', () => ({ name: 'never loaded' }))
    expect(first).toBe(second)
    expect(first).toBe(l1.data.get('user:1')!.resolved)
    expect(await first).toEqual({ name: 'Ada' })
    expect(Object.isFrozen(await first)).toBe(true)
    expect(l1.calls).toEqual(['getResolved user:1', 'getResolved user:1'])
    expect(hits).toEqual(['l1 user:1', 'l1 user:1'])
    expect(cache.stats().tiers.l1).toMatchObject({ hits: 2 })
    await cache.close()
  })

  it('asks get() when it has no answer: a value kept as bytes decodes privately for each caller', async () => {
    const l1 = resolvingL1()
    const cache = await createCache({ l1, codec: createCodec({ serializer: mapSerializer }) })
    await cache.set('map', new Map([['a', 1]]))
    l1.calls.length = 0

    const first = await cache.get<Map<string, number>>('map')
    const second = await cache.get<Map<string, number>>('map')
    expect(first?.get('a')).toBe(1)
    expect(first).not.toBe(second)
    expect(l1.calls).toEqual(['getResolved map', 'get map', 'getResolved map', 'get map'])
    expect(cache.stats().tiers.l1).toMatchObject({ hits: 2 })
    await cache.close()
  })

  it('does not serve an entry past expiresAt by the cache clock: the read goes on to L2', async () => {
    let now = 1_000
    const l1 = resolvingL1()
    const store = mapStore()
    const cache = await createCache({ l1, store, now: () => now })
    await cache.set('k', 'v1', { ttl: 100 })
    now += 100
    expect(await cache.get('k')).toBeUndefined()
    expect(cache.stats()).toMatchObject({ misses: 1, tiers: { l1: { hits: 0, misses: 1 } } })
    await cache.close()
  })

  it('rejects a bad key before any lookup', async () => {
    const l1 = resolvingL1()
    const cache = await createCache({ l1 })
    await expect(cache.get('')).rejects.toThrow(/key/i)
    expect(l1.calls).toEqual([])
    await cache.close()
  })
})
