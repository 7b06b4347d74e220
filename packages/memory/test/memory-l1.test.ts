import { createCache } from '@cache/core'
import { describe, expect, it } from 'vitest'
import { memoryL1 } from '../src/index'

describe('memoryL1 behind createCache', () => {
  it('hands out the same frozen value from the hot path', async () => {
    const cache = await createCache({ l1: memoryL1() })
    await cache.set('user', { name: 'Ada', roles: ['admin'] })
    const first = await cache.get<{ name: string; roles: string[] }>('user')
    expect(await cache.get('user')).toBe(first)
    expect(Object.isFrozen(first?.roles)).toBe(true)
    expect(cache.stats().tiers.l1.hits).toBe(2)
    await cache.close()
  })

  it('lets an invalidation reach an entry past its TTL while the cache clock still calls it fresh', async () => {
    // A wall clock set back: the cache (wall clock) still calls the entry fresh, the tier (monotonic) not.
    let wall = 1_000_000
    let monotonic = 1_000
    const l1 = memoryL1({ now: () => monotonic })
    const cache = await createCache({ l1, now: () => wall })
    await cache.set('k', 'v', { ttl: 60_000, tags: ['t'] })
    monotonic += 70_000
    wall += 50_000
    expect(await cache.get('k')).toBe('v')
    await cache.deleteByTag('t')
    expect(await cache.get('k')).toBeUndefined()
    expect(l1.size).toBe(0)
    await cache.close()
  })

  it('serves nothing a tag invalidation removed, before or after the TTL', async () => {
    let now = 1_000
    const cache = await createCache({ l1: memoryL1({ now: () => now }), now: () => now })
    await cache.set('a', 1, { ttl: 100, tags: ['t'] })
    await cache.set('b', 2, { ttl: 10_000, tags: ['t'] })
    expect(await cache.get('a')).toBe(1)
    now += 50
    expect(await cache.deleteByTag('t')).toBe(2)
    expect(await cache.get('a')).toBeUndefined()
    expect(await cache.get('b')).toBeUndefined()
    await cache.close()
  })
})
