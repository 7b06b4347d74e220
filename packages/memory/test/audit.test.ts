import { type L1Entry, ValidationError } from '@cache/core'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { memoryL1, memoryStore } from '../src/index'

const bytesOf = (text: string) => new TextEncoder().encode(text)
const textOf = (bytes: Uint8Array | undefined) => (bytes ? new TextDecoder().decode(bytes) : undefined)

const entry = (value: unknown, size = 10): L1Entry => ({
  value,
  size,
  createdAt: 0,
  expiresAt: Number.POSITIVE_INFINITY,
  staleUntil: Number.POSITIVE_INFINITY,
  tags: [],
})

/** Runs `make` and returns the error it throws (failing when it does not throw). */
function thrown(make: () => unknown): ValidationError {
  try {
    make()
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError)
    return error as ValidationError
  }
  throw new Error('expected a ValidationError')
}

async function rejected(promise: Promise<unknown>): Promise<ValidationError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(ValidationError)
  return error as ValidationError
}

afterEach(() => {
  vi.useRealTimers()
})

describe('memoryStore keys(prefix)', () => {
  it('yields every key once when the caller reads each key it is given', async () => {
    const store = memoryStore()
    for (let i = 0; i < 5; i++) await store.set(`read:${i}`, bytesOf(String(i)))
    const seen: string[] = []
    for await (const key of store.keys('read:')) {
      seen.push(key)
      expect(await store.get(key)).toBeDefined()
      if (seen.length > 20) break
    }
    expect(seen.sort()).toEqual(['read:0', 'read:1', 'read:2', 'read:3', 'read:4'])
  })

  it('yields every key once when the caller deletes in batches while iterating', async () => {
    const store = memoryStore()
    for (let i = 0; i < 10; i++) await store.set(`del:${i}`, bytesOf(String(i)))
    await store.set('other', bytesOf('x'))
    const seen: string[] = []
    let batch: string[] = []
    for await (const key of store.keys('del:')) {
      seen.push(key)
      batch.push(key)
      if (batch.length === 3) {
        expect(await store.deleteMany(batch)).toBe(3)
        batch = []
      }
      if (seen.length > 30) break
    }
    expect(seen.sort()).toEqual(Array.from({ length: 10 }, (_, i) => `del:${i}`).sort())
    expect(await store.get('other')).toEqual(bytesOf('x'))
  })

  it('skips a key deleted after the scan started', async () => {
    const store = memoryStore()
    for (const key of ['gone:a', 'gone:b', 'gone:c']) await store.set(key, bytesOf(key))
    const seen: string[] = []
    for await (const key of store.keys('gone:')) {
      seen.push(key)
      if (seen.length === 1)
        for (const k of ['gone:a', 'gone:b', 'gone:c']) if (k !== key) await store.delete(k)
    }
    expect(seen).toHaveLength(1)
  })
})

describe('memoryStore prefixes', () => {
  it('refuses a missing prefix in clear and keys instead of matching the text "undefined"', async () => {
    const store = memoryStore()
    await store.set('undefined:a', bytesOf('1'))
    await store.set('b', bytesOf('2'))
    const cleared = await rejected(store.clear(undefined as unknown as string))
    expect(cleared.code).toBe('INVALID_KEY')
    expect(cleared.message).toMatch(/prefix/)
    const listed = await rejected(
      store
        .keys(undefined as unknown as string)
        [Symbol.asyncIterator]()
        .next(),
    )
    expect(listed.code).toBe('INVALID_KEY')
    expect(await store.getMany(['undefined:a', 'b'])).toEqual([bytesOf('1'), bytesOf('2')])
  })

  it('matches regex, glob and unicode prefixes literally', async () => {
    const store = memoryStore()
    const keys = ['a.*:1', 'aX*:1', 'é:1', 'e\u0301:1', '🙂:1', '🙃:1', '[x]:1', 'x:1']
    for (const key of keys) await store.set(key, bytesOf(key))
    const list = async (prefix: string) => {
      const found: string[] = []
      for await (const key of store.keys(prefix)) found.push(key)
      return found.sort()
    }
    expect(await list('a.*')).toEqual(['a.*:1'])
    expect(await list('é')).toEqual(['é:1'])
    expect(await list('🙂')).toEqual(['🙂:1'])
    expect(await list('[x]')).toEqual(['[x]:1'])
    await store.clear('a.*')
    await store.clear('🙂')
    expect(await list('')).toEqual(keys.filter((key) => key !== 'a.*:1' && key !== '🙂:1').sort())
  })
})

describe('memoryStore byte ownership', () => {
  it('copies a Node Buffer passed to set (Buffer#slice is a view, not a copy)', async () => {
    const store = memoryStore()
    const buffer = Buffer.from('hello')
    await store.set('buf', buffer)
    buffer[0] = 0x4a
    expect(textOf(await store.get('buf'))).toBe('hello')
    const many = Buffer.from('world')
    await store.setMany([{ key: 'buf2', value: many }])
    many.fill(0)
    expect(textOf(await store.get('buf2'))).toBe('world')
  })

  it('copies a view into a larger buffer and hands out only its bytes', async () => {
    const store = memoryStore()
    const big = bytesOf('xxhelloxx')
    await store.set('view', big.subarray(2, 7))
    big.fill(0)
    const back = await store.get('view')
    expect(textOf(back)).toBe('hello')
    expect(back?.byteLength).toBe(5)
  })
})

describe('memoryStore TTLs', () => {
  it('rejects a NaN or non-number ttlMs instead of keeping the entry forever', async () => {
    let now = 1_000
    const store = memoryStore({ now: () => now })
    const nan = await rejected(store.set('nan', bytesOf('x'), Number.NaN))
    expect(nan.code).toBe('INVALID_TTL')
    expect(nan.message).toMatch(/ttlMs/)
    const text = await rejected(store.set('str', bytesOf('x'), '5s' as unknown as number))
    expect(text.code).toBe('INVALID_TTL')
    now += 10 ** 12
    expect(await store.get('nan')).toBeUndefined()
    expect(await store.get('str')).toBeUndefined()
  })

  it('writes nothing from a setMany that holds one bad ttlMs', async () => {
    const store = memoryStore()
    await rejected(
      store.setMany([
        { key: 'ok', value: bytesOf('1'), ttlMs: 1_000 },
        { key: 'bad', value: bytesOf('2'), ttlMs: Number.NaN },
      ]),
    )
    expect(await store.getMany(['ok', 'bad'])).toEqual([undefined, undefined])
  })

  it('treats 0 and negative TTLs as already expired, and honours fractional, huge and infinite ones', async () => {
    let now = 1_000
    const store = memoryStore({ now: () => now })
    await store.set('keep', bytesOf('old'))
    await store.set('keep', bytesOf('new'), 0)
    await store.set('neg', bytesOf('x'), -5)
    await store.set('frac', bytesOf('x'), 1.5)
    await store.set('huge', bytesOf('x'), 2 ** 31 + 10)
    await store.set('inf', bytesOf('x'), Number.POSITIVE_INFINITY)
    expect(await store.getMany(['keep', 'neg'])).toEqual([undefined, undefined])
    now += 1
    expect(await store.get('frac')).toBeDefined()
    now += 0.5
    expect(await store.get('frac')).toBeUndefined()
    now += 2 ** 31
    expect(await store.get('huge')).toBeDefined()
    now += 10
    expect(await store.get('huge')).toBeUndefined()
    expect(await store.get('inf')).toBeDefined()
    const listed: string[] = []
    for await (const key of store.keys('')) listed.push(key)
    expect(listed).toEqual(['inf'])
  })

  it('does not expire entries early when the wall clock jumps forward (monotonic default clock)', async () => {
    // Date is faked before the store is made, so a store reading Date.now sees the jump (NTP, VM resume).
    vi.useFakeTimers({ toFake: ['Date'] })
    const store = memoryStore()
    await store.set('session', bytesOf('x'), 60_000)
    vi.setSystemTime(Date.now() + 3_600_000)
    expect(await store.get('session')).toEqual(bytesOf('x'))
  })
})

describe('memoryStore options', () => {
  it('refuses a maxItems its index cannot allocate with a ValidationError naming maxItems', () => {
    for (const maxItems of [2 ** 40, 2 ** 60]) {
      const error = thrown(() => memoryStore({ maxItems }))
      expect(error.code).toBe('INVALID_OPTION')
      expect(error.message).toMatch(/maxItems/)
    }
    expect(() => memoryStore({ maxItems: 1_000_000 })).not.toThrow()
  })

  it('refuses an unknown option instead of silently using the defaults', () => {
    const store = thrown(() => memoryStore({ max: 10 } as never))
    expect(store.code).toBe('INVALID_OPTION')
    expect(store.message).toMatch(/"max"/)
    const l1 = thrown(() => memoryL1({ maxEntries: 10 } as never))
    expect(l1.code).toBe('INVALID_OPTION')
    expect(l1.message).toMatch(/"maxEntries"/)
    expect(() => memoryStore({ admission: 'tinylfu' } as never)).toThrow(/admission/)
  })
})

describe('memoryL1 edge cases', () => {
  it('rejects a NaN or non-number ttlMs instead of keeping the entry forever', () => {
    let now = 0
    const l1 = memoryL1({ now: () => now })
    const error = thrown(() => l1.set('k', entry('v'), Number.NaN))
    expect(error.code).toBe('INVALID_TTL')
    expect(thrown(() => l1.set('k', entry('v'), '1s' as unknown as number)).code).toBe('INVALID_TTL')
    now += 10 ** 12
    expect(l1.get('k')).toBeUndefined()
    expect(l1.size).toBe(0)
  })

  it('keeps its byte bound when an entry has a NaN size', () => {
    for (const admission of ['lru', 'tinylfu'] as const) {
      const l1 = memoryL1({ maxItems: 100, maxBytes: 100, admission })
      l1.set('bad', entry('bad', Number.NaN))
      for (let i = 0; i < 20; i++) l1.set(`k:${i}`, entry(i, 10))
      expect(Number.isFinite(l1.bytes)).toBe(true)
      expect(l1.bytes).toBeLessThanOrEqual(100)
      expect(l1.size).toBeLessThanOrEqual(10)
    }
  })

  it('honours 0, fractional, huge and infinite TTLs', () => {
    let now = 0
    const l1 = memoryL1({ now: () => now })
    l1.set('zero', entry('z'), 0)
    l1.set('frac', entry('f'), 0.2)
    l1.set('huge', entry('h'), 2 ** 31 + 10)
    l1.set('inf', entry('i'), Number.POSITIVE_INFINITY)
    now = 2
    expect(l1.get('zero')).toBeUndefined()
    expect(l1.get('frac')).toBeUndefined()
    now = 2 ** 31 + 5
    expect(l1.get('huge')?.value).toBe('h')
    now = 2 ** 31 + 20
    expect(l1.get('huge')).toBeUndefined()
    expect(l1.get('inf')?.value).toBe('i')
  })
})
