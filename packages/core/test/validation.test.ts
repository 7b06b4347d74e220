import { describe, expect, it } from 'vitest'
import { createCache, type TieredCache, ValidationError } from '../src/index'
import { mapL1, mapStore } from './helpers/stores'

const tiered = (extra: Record<string, unknown> = {}) =>
  createCache({ store: mapStore(), l1: mapL1(), namespace: 'v', ...extra })

async function expectUnchanged(cache: TieredCache, attempt: () => Promise<unknown>, code?: string) {
  await cache.set('existing', { keep: true })
  const error = await attempt().then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(ValidationError)
  if (code) expect((error as ValidationError).code).toBe(code)
  expect(await cache.get('existing')).toEqual({ keep: true })
  expect(cache.stats().tiers.l1.size).toBe(1)
}

describe('bad input is a ValidationError and changes nothing', () => {
  it.each([
    ['an empty key', ''],
    ['a number key', 42],
    ['an undefined key', undefined],
    ['an object key', { k: 1 }],
  ])('rejects %s', async (_, key) => {
    const cache = await tiered()
    await expectUnchanged(cache, () => cache.set(key as string, 1), 'INVALID_KEY')
    await expect(cache.get(key as string)).rejects.toBeInstanceOf(ValidationError)
    await expect(cache.delete(key as string)).rejects.toBeInstanceOf(ValidationError)
    await expect(cache.getMany([key as string])).rejects.toBeInstanceOf(ValidationError)
  })

  it('rejects keys longer than maxKeyBytes, counting UTF-8 bytes', async () => {
    const cache = await tiered()
    await expectUnchanged(cache, () => cache.set('k'.repeat(1025), 1), 'INVALID_KEY')
    // 400 characters but 1,200 bytes in UTF-8.
    await expectUnchanged(cache, () => cache.set('€'.repeat(400), 1), 'INVALID_KEY')
    await cache.set('k'.repeat(1024), 1)
    const small = await tiered({ maxKeyBytes: 8 })
    await expectUnchanged(small, () => small.set('123456789', 1), 'INVALID_KEY')
  })

  it.each([
    ['undefined', undefined],
    ['a function', () => 1],
    ['a symbol', Symbol('s')],
    ['a BigInt', 10n],
    ['a nested function', { a: { f: () => 1 } }],
    ['a Map (JSON cannot keep it)', new Map([[1, 2]])],
    ['a typed array (JSON cannot keep it)', new Uint8Array(3)],
  ])('rejects %s as a value', async (_, value) => {
    const cache = await tiered()
    await expectUnchanged(cache, () => cache.set('existing', value), 'INVALID_VALUE')
  })

  it('rejects circular structures', async () => {
    const cache = await tiered()
    const circular: Record<string, unknown> = { a: 1 }
    circular.self = circular
    await expectUnchanged(cache, () => cache.set('existing', circular), 'INVALID_VALUE')
  })

  it('rejects values above maxEntryBytes', async () => {
    const cache = await tiered({ maxEntryBytes: 1_000 })
    await expectUnchanged(cache, () => cache.set('existing', 'x'.repeat(2_000)), 'ENTRY_TOO_LARGE')
    const error = await cache.set('other', 'x'.repeat(2_000)).catch((e: Error) => e)
    expect((error as Error).message).toContain('maxEntryBytes')
  })

  it.each([
    ['negative', -5],
    ['NaN', Number.NaN],
    ['zero', 0],
    ['unparsable', '10 minutes'],
    ['unknown unit', '3w'],
    ['a boolean', true],
  ])('rejects a %s TTL', async (_, ttl) => {
    const cache = await tiered()
    await expectUnchanged(cache, () => cache.set('existing', 2, { ttl: ttl as never }), 'INVALID_TTL')
    await expectUnchanged(cache, () => cache.getOrSet('fresh', () => 1, { ttl: ttl as never }))
    expect(await cache.get('fresh')).toBeUndefined()
  })

  it('rejects invalid tags', async () => {
    const cache = await tiered()
    await expectUnchanged(cache, () => cache.set('existing', 1, { tags: ['ok', ''] }))
    await expectUnchanged(cache, () => cache.set('existing', 1, { tags: 'user' as never }))
  })

  it('setMany validates every entry before writing any', async () => {
    const cache = await tiered()
    await expectUnchanged(cache, () =>
      cache.setMany([
        { key: 'a', value: 1 },
        { key: 'b', value: undefined },
      ]),
    )
    expect(await cache.get('a')).toBeUndefined()
  })

  it.each([
    ['no tier at all', {}],
    ['a non-store store', { store: { get: 1 } }],
    ['a non-l1 l1', { l1: 'memory' }],
    ['an empty namespace', { l1: mapL1(), namespace: '' }],
    ['a numeric namespace', { l1: mapL1(), namespace: 5 }],
    ['a bad defaultTtl', { l1: mapL1(), defaultTtl: '5 minutes' }],
    ['a zero defaultTtl', { l1: mapL1(), defaultTtl: 0 }],
    ['a bad maxKeyBytes', { l1: mapL1(), maxKeyBytes: -1 }],
    ['a fractional maxEntryBytes', { l1: mapL1(), maxEntryBytes: 1.5 }],
    ['a bad commandTimeout', { l1: mapL1(), commandTimeout: 'soon' }],
    ['a bad failOnConnectionError', { l1: mapL1(), failOnConnectionError: 'yes' }],
    ['a bad circuit breaker threshold', { l1: mapL1(), circuitBreaker: { failureThreshold: 0 } }],
    ['a bad clock', { l1: mapL1(), now: 5 }],
    ['a non-object', null],
  ])('createCache rejects %s, naming the option', async (_, options) => {
    const error = await createCache(options as never).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ValidationError)
    expect((error as ValidationError).code).toBe('INVALID_OPTION')
    expect((error as Error).message).toMatch(/option|createCache/)
  })

  it('getOrSet and wrap reject a missing loader or key builder', async () => {
    const cache = await tiered()
    await expect(cache.getOrSet('k', undefined as never)).rejects.toBeInstanceOf(ValidationError)
    expect(() => cache.wrap(undefined as never, { key: () => 'k' })).toThrow(ValidationError)
    expect(() => cache.wrap(async () => 1, {} as never)).toThrow(ValidationError)
  })
})
