import { describe, expectTypeOf, it } from 'vitest'
import { type CacheEvents, type CacheStats, createCache, type Duration, type TieredCache } from '../src/index'

declare const cache: TieredCache

describe('public types', () => {
  it('createCache resolves to a TieredCache', () => {
    expectTypeOf(createCache).returns.resolves.toEqualTypeOf<TieredCache>()
  })

  it('get is generic and includes undefined for a miss', () => {
    expectTypeOf(cache.get<{ id: number }>('k')).resolves.toEqualTypeOf<{ id: number } | undefined>()
    expectTypeOf(cache.getMany<string>(['a'])).resolves.toEqualTypeOf<(string | undefined)[]>()
  })

  it('getOrSet and wrap infer the loader type', () => {
    expectTypeOf(cache.getOrSet('k', async () => ({ n: 1 }))).resolves.toEqualTypeOf<{ n: number }>()
    const wrapped = cache.wrap(async (id: number, name: string) => `${id}${name}`, { key: (id) => `k:${id}` })
    expectTypeOf(wrapped).parameters.toEqualTypeOf<[number, string]>()
    expectTypeOf(wrapped).returns.resolves.toBeString()
  })

  it('durations accept numbers and unit strings only', () => {
    expectTypeOf<'30s'>().toMatchTypeOf<Duration>()
    expectTypeOf<1000>().toMatchTypeOf<Duration>()
    expectTypeOf<'30 seconds'>().not.toMatchTypeOf<Duration>()
  })

  it('events carry their tier', () => {
    cache.on('hit', (event) => expectTypeOf(event).toEqualTypeOf<CacheEvents['hit']>())
    expectTypeOf<CacheEvents['hit']['tier']>().toEqualTypeOf<'l1' | 'l2'>()
    expectTypeOf<CacheStats['hitRatio']>().toBeNumber()
  })
})
