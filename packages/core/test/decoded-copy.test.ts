import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { serializeCopy } from '../src/codec/json-serializer'
import { createCache, jsonSerializer, type Serializer } from '../src/index'
import { mapL1, mapStore } from './helpers/stores'

const serializer = jsonSerializer()
const decodedCopy = (s: Serializer, value: unknown) => serializeCopy(s, value)?.decoded
const roundTrip = (value: unknown) => serializer.deserialize(serializer.serialize(value))

/** Everything `toStrictEqual` may not look at: -0, key order, prototypes, holes, array lengths. */
function shape(value: unknown): unknown {
  if (typeof value === 'number') return Object.is(value, -0) ? '-0' : Number.isNaN(value) ? 'NaN' : value
  if (value === null || typeof value !== 'object') return value
  const proto = Object.getPrototypeOf(value)
  const own = Reflect.ownKeys(value).map((key) => {
    const field = Object.getOwnPropertyDescriptor(value, key)!
    return [String(key), field.enumerable, 'value' in field ? shape(field.value) : 'accessor']
  })
  return { array: Array.isArray(value), plainProto: proto === Object.prototype, own }
}

function expectSameAsRoundTrip(value: unknown): void {
  const copy = decodedCopy(serializer, value)
  expect(copy).not.toBeUndefined()
  expect(shape(copy)).toEqual(shape(roundTrip(value)))
  // Serialized, the copy gives the very bytes the value gives, and those are the bytes handed out with it.
  expect(serializer.serialize(copy)).toEqual(serializer.serialize(value))
  expect(serializeCopy(serializer, value)?.payload).toEqual(serializer.serialize(value))
}

const long = (unit: string) => unit.repeat(Math.ceil(2_100 / unit.length))

describe('serializeCopy (a load handed out without decoding what was just serialized)', () => {
  it('gives what the JSON round trip gives, for the cases JSON changes', () => {
    const values: unknown[] = [
      0,
      -0,
      Number.NaN,
      Number.POSITIVE_INFINITY,
      'text',
      true,
      null,
      [1, undefined, -0, Number.NEGATIVE_INFINITY, null],
      // biome-ignore lint/suspicious/noSparseArray: a hole is what this case is about
      [1, , 3],
      { b: 1, a: undefined, 2: 'two', 1: 'one', nested: { list: [{}] } },
      Object.assign(Object.create(null), { nullProto: true }),
      JSON.parse('{"__proto__": {"polluted": true}, "ok": 1}'),
      { text: long('é🌍 '), lone: `${long('a')}\ud800`, short: '\udc00' },
      Object.assign([1, 2], { extra: 'dropped' }),
    ]
    for (const value of values) expectSameAsRoundTrip(value)
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
  })

  it('property: any plain JSON-like value copies as the round trip decodes it', () => {
    const key = fc.oneof(fc.string(), fc.constantFrom('__proto__', '0', '10', 'constructor'))
    const leaf = fc.oneof(
      fc.string({ unit: 'binary' }),
      fc.double(),
      fc.integer(),
      fc.boolean(),
      fc.constant(null),
      fc.constant(undefined),
    )
    const plain = fc
      .letrec((tie) => ({
        value: fc.oneof({ depthSize: 'small' }, leaf, tie('array'), tie('object')),
        array: fc.array(tie('value'), { maxLength: 5 }),
        object: fc.array(fc.tuple(key, tie('value')), { maxLength: 5 }).map((entries) => {
          const record: Record<string, unknown> = {}
          for (const [k, v] of entries)
            Object.defineProperty(record, k, {
              value: v,
              enumerable: true,
              writable: true,
              configurable: true,
            })
          return record
        }),
      }))
      .value.filter((value) => value !== undefined)
    fc.assert(fc.property(plain, (value) => expectSameAsRoundTrip(value)))
  })

  it('property: for anything else, either the same as the round trip or nothing', () => {
    const anything = fc.anything({
      withNullPrototype: true,
      withSparseArray: true,
      withDate: true,
      withMap: true,
      withBoxedValues: true,
    })
    fc.assert(
      fc.property(anything, (value) => {
        const copy = decodedCopy(serializer, value)
        if (copy !== undefined) expect(shape(copy)).toEqual(shape(roundTrip(value)))
      }),
    )
  })

  it('copies nothing it cannot reproduce: the caller decodes those', () => {
    let deep: unknown = 'bottom'
    for (let i = 0; i < 40; i++) deep = [deep]
    const cyclic: Record<string, unknown> = {}
    cyclic.self = cyclic
    class Point {
      x = 1
    }
    for (const value of [
      new Date(0),
      { at: new Date(0) },
      new Map([[1, 2]]),
      new Point(),
      { toJSON: () => 'custom' },
      { fn: () => 1 },
      [Symbol('s')],
      { big: 1n },
      deep,
      cyclic,
      undefined,
    ]) {
      expect(decodedCopy(serializer, value)).toBeUndefined()
    }
  })

  it('leaves a value to the decode when a toJSON planted on Object.prototype decides what JSON writes', () => {
    Object.defineProperty(Object.prototype, 'toJSON', { value: () => 'planted', configurable: true })
    try {
      expect(JSON.stringify({ a: 1 })).toBe('"planted"')
      expect(decodedCopy(serializer, { a: 1 })).toBeUndefined()
    } finally {
      delete (Object.prototype as { toJSON?: unknown }).toJSON
    }
    expect(decodedCopy(serializer, { a: 1 })).toEqual({ a: 1 })
  })

  it('copies only for the JSON serializer it knows, not for one that merely shares its id', () => {
    const lookalike: Serializer = {
      id: 'json',
      serialize: serializer.serialize,
      deserialize: serializer.deserialize,
    }
    expect(decodedCopy(lookalike, { a: 1 })).toBeUndefined()
    expect(decodedCopy(jsonSerializer(), { a: 1 })).toEqual({ a: 1 })
  })

  it('shares strings, never objects', () => {
    const value = { text: 'x'.repeat(1_000), inner: { list: [1] } }
    const copy = decodedCopy(serializer, value) as typeof value
    expect(copy).not.toBe(value)
    expect(copy.inner).not.toBe(value.inner)
    expect(copy.inner.list).not.toBe(value.inner.list)
    expect(copy).toEqual(value)
  })
})

describe('loads hand out what a later read returns, never the loader’s object', () => {
  const setups = {
    'L2 only': () => createCache({ store: mapStore(), namespace: 'c' }),
    'L1 and L2': () => createCache({ store: mapStore(), l1: mapL1(), namespace: 'c' }),
  }
  for (const [name, open] of Object.entries(setups)) {
    it(`${name}: getOrSet and getOrSetMany`, async () => {
      const cache = await open()
      const loaded = { list: [1, 2], skip: undefined, n: -0 }
      const one = await cache.getOrSet('one', async () => loaded)
      const [many] = await cache.getOrSetMany(['many'], async () => [loaded])
      for (const [key, got] of [
        ['one', one],
        ['many', many],
      ] as const) {
        expect(got).not.toBe(loaded)
        expect(shape(got)).toEqual(shape({ list: [1, 2], n: 0 }))
        loaded.list.push(3)
        expect(await cache.get(key)).toEqual({ list: [1, 2], n: 0 })
        expect(got).toEqual({ list: [1, 2], n: 0 })
      }
      await cache.close()
    })

    it(`${name}: a getter that answers differently each time cannot make the caller and the cache disagree`, async () => {
      const cache = await open()
      let reads = 0
      const loaded = {
        get count() {
          reads++
          return reads
        },
      }
      const got = await cache.getOrSet('k', async () => loaded)
      expect(got).toEqual(await cache.get('k'))
      const [batch] = await cache.getOrSetMany(['b'], async () => [loaded])
      expect(batch).toEqual(await cache.get('b'))
      await cache.close()
    })

    it(`${name}: values JSON changes still come back decoded (a Date as its string)`, async () => {
      const cache = await open()
      const got = await cache.getOrSet('date', async () => ({ at: new Date(0) }))
      expect(got).toEqual({ at: '1970-01-01T00:00:00.000Z' })
      expect(await cache.get('date')).toEqual(got)
      await cache.close()
    })
  }

  it('set with L1: L1 holds its own copy, and the caller’s object stays as it was', async () => {
    const store = mapStore()
    const cache = await createCache({ store, l1: mapL1(), namespace: 'c' })
    let reads = 0
    const value = {
      list: [1],
      n: Number.NaN,
      get count() {
        reads++
        return reads
      },
    }
    await cache.set('k', value)
    const hit = await cache.get('k')
    expect(Object.isFrozen(value)).toBe(false)
    expect(Object.isFrozen(hit)).toBe(true)
    value.list.push(2)
    expect(hit).toEqual({ list: [1], n: null, count: 1 })
    // L2 holds what L1 holds: an instance without L1 reads the same from the shared store.
    const other = await createCache({ store, namespace: 'c' })
    expect(await other.get('k')).toEqual(hit)
    await other.close()
    await cache.close()
  })

  it('with L1, the caller gets the frozen value L1 holds', async () => {
    const cache = await createCache({ store: mapStore(), l1: mapL1(), namespace: 'c' })
    const got = await cache.getOrSet('k', async () => ({ a: { b: 1 } }))
    expect(Object.isFrozen(got)).toBe(true)
    expect(Object.isFrozen((got as { a: unknown }).a)).toBe(true)
    expect(await cache.get('k')).toBe(got)
    await cache.close()
  })
})
