import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import { CorruptEntryError, createCodec, jsonSerializer, utf8Decode, utf8Encode } from '../src/index'

const serializer = jsonSerializer()
const long = (unit: string, chars = 2_048) => unit.repeat(Math.ceil(chars / unit.length)).slice(0, chars)
const viaJson = (value: unknown) => JSON.parse(JSON.stringify(value))
const roundTrip = (value: unknown) => serializer.deserialize(serializer.serialize(value))

/** Builds a payload in the long-string layout from its parts, to test what a reader accepts. */
function payload(blobs: string[], header: unknown, headerLength?: number): Uint8Array {
  const body = utf8Encode(blobs.join(''))
  const head = utf8Encode(JSON.stringify(header))
  const out = new Uint8Array(1 + body.length + head.length + 4)
  out[0] = 0x01
  out.set(body, 1)
  out.set(head, 1 + body.length)
  new DataView(out.buffer).setUint32(out.length - 4, headerLength ?? head.length)
  return out
}

describe('jsonSerializer: long strings beside the JSON', () => {
  test('values with long strings come back as JSON would give them', () => {
    const values: unknown[] = [
      long('a'),
      [long('x'), 1, undefined, null, long('y', 5_000)],
      { id: 7, answer: { choices: [{ message: { content: long('Hello, world. ') } }] }, skip: undefined },
      { '2': long('two'), '1': 'one', b: long('b'), a: [long('é'), long('🌍', 4_000)] },
      { nested: { deeper: { deepest: [[long('z')]] } }, after: true, n: Number.NaN },
      // Line breaks, quotes, backslashes and control characters, which JSON would escape.
      { text: long('line\n"quoted"\\ \t\u0001 ') },
    ]
    for (const value of values) {
      const bytes = serializer.serialize(value)
      expect(bytes[0]).toBe(0x01)
      expect(serializer.deserialize(bytes)).toStrictEqual(viaJson(value))
    }
  })

  test('the long strings are stored as raw UTF-8, without JSON escapes', () => {
    const text = long('a "b"\n')
    const bytes = serializer.serialize({ text })
    expect(utf8Decode(bytes.subarray(1, 1 + text.length))).toBe(text)
    // Escapes would have made it longer than the text plus a short header.
    expect(bytes.length).toBeLessThan(text.length + 64)
  })

  test('short strings, lone surrogates and __proto__ fields stay inside plain JSON', () => {
    const values = [
      { text: long('a', 2_047) },
      { text: `${long('a')}\ud800` },
      JSON.parse(`{"__proto__": "${long('p')}", "ok": 1}`),
    ]
    for (const value of values) {
      const bytes = serializer.serialize(value)
      expect(bytes).toEqual(utf8Encode(JSON.stringify(value)))
      expect(roundTrip(value)).toStrictEqual(viaJson(value))
    }
  })

  test('a __proto__ field keeps its value beside a long string taken out', () => {
    const value = JSON.parse(`{"__proto__": {"polluted": true}, "text": "${long('t')}"}`)
    const back = roundTrip(value) as Record<string, unknown>
    expect(back).toStrictEqual(viaJson(value))
    expect(Object.getPrototypeOf(back)).toBe(Object.prototype)
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
  })

  test('the caller’s value is left untouched', () => {
    const value = { list: [long('l')], inner: { text: long('i') }, shared: { small: 1 } }
    const before = structuredClone(value)
    serializer.serialize(value)
    expect(value).toStrictEqual(before)
  })

  test('property: any JSON value with long strings round-trips as JSON would', () => {
    const longText = fc
      .tuple(fc.string({ unit: 'grapheme', maxLength: 40 }), fc.integer({ min: 2_000, max: 6_000 }))
      .map(([unit, chars]) => long(unit || 'x', chars))
    const leaf = fc.oneof(
      longText,
      fc.string({ unit: 'grapheme' }),
      fc.double(),
      fc.boolean(),
      fc.constant(null),
      fc.constant(undefined),
    )
    const value = fc.letrec((tie) => ({
      node: fc.oneof({ depthSize: 'small' }, leaf, tie('array'), tie('object')),
      array: fc.array(tie('node'), { maxLength: 4 }),
      object: fc.dictionary(fc.string(), tie('node'), { maxKeys: 4 }),
    })).node
    fc.assert(
      fc.property(value, (v) => {
        if (v === undefined) return
        expect(roundTrip(v)).toStrictEqual(viaJson(v))
      }),
      { numRuns: 300 },
    )
  })

  test('payloads that do not add up are refused', () => {
    const good = payload(['abc'], [{ text: null }, [['text']], [3]])
    expect(serializer.deserialize(good)).toStrictEqual({ text: 'abc' })
    const bad = [
      payload(['abc'], [{ text: null }, [['text']], [3]], 10_000),
      payload(['abc'], [{ text: null }, [['text']], [4]]),
      payload(['abcd'], [{ text: null }, [['text']], [3]]),
      payload(['abc'], [{ text: 'taken' }, [['text']], [3]]),
      payload(['abc'], [{ text: null }, [['other']], [3]]),
      payload(['abc'], [{}, [['constructor']], [3]]),
      payload(['abc'], [{}, [['__proto__']], [3]]),
      payload(['abc'], [[null], [[1]], [3]]),
      payload(['abc'], [[null], [['0']], [3]]),
      payload(['abc', 'def'], [{ a: null }, [['a'], ['a']], [3, 3]]),
      payload(['abc'], [{ text: null }, [[]], [3]]),
      payload(['abc'], [{ text: null }, [], []]),
      payload(['abc'], { text: null }),
      new Uint8Array([0x01, 0, 0]),
    ]
    for (const bytes of bad) expect(() => serializer.deserialize(bytes)).toThrow()
    const invalidUtf8 = payload([''], [{ text: null }, [['text']], [1]])
    const patched = new Uint8Array(invalidUtf8.length + 1)
    patched.set(invalidUtf8.subarray(0, 1))
    patched[1] = 0xff
    patched.set(invalidUtf8.subarray(1), 2)
    expect(() => serializer.deserialize(patched)).toThrow()
  })

  test('through the codec, an entry with long strings reads back and a corrupt one is refused', async () => {
    const codec = createCodec()
    const meta = {
      createdAt: 1,
      expiresAt: Number.POSITIVE_INFINITY,
      staleUntil: Number.POSITIVE_INFINITY,
      tags: ['t'],
    }
    const value = { answer: long('The answer is 42.\n') }
    const sealed = await codec.seal(serializer.serialize(value), meta)
    expect((await codec.open(sealed)).value).toStrictEqual(value)
    const flipped = sealed.slice()
    flipped[flipped.length - 40]! ^= 0x20
    await expect(codec.open(flipped)).rejects.toThrow(CorruptEntryError)
  })
})
