import { describe, expectTypeOf, it } from 'vitest'
import {
  type BatchLoader,
  type CacheEvents,
  type CacheStats,
  createCache,
  type Duration,
  type TieredCache,
} from '../src/index'

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

  it('getOrSetMany infers the value type from any loader shape and includes undefined', () => {
    const fromArray = cache.getOrSetMany(['a'], async (missing) => missing.map((k) => ({ id: k })))
    expectTypeOf(fromArray).resolves.toEqualTypeOf<({ id: string } | undefined)[]>()
    const fromMap = cache.getOrSetMany(['a'], async () => new Map([['a', 1]]))
    expectTypeOf(fromMap).resolves.toEqualTypeOf<(number | undefined)[]>()
    expectTypeOf(cache.getOrSetMany<string>(['a'], () => ({ a: 'x' }))).resolves.toEqualTypeOf<
      (string | undefined)[]
    >()
    expectTypeOf<BatchLoader<number>>().parameters.toEqualTypeOf<[missingKeys: string[]]>()
    // @ts-expect-error a loader must return values per key, not one value
    cache.getOrSetMany(['a'], async () => 42)
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
