import { describe, expect, test } from 'vitest'
import { jsonSerializer, utf8Encode } from '../src/index'

describe('jsonSerializer bytes', () => {
  test('every result holds exactly the UTF-8 of its JSON (long strings aside), across shared blocks and sizes', () => {
    const serializer = jsonSerializer()
    const values = Array.from({ length: 400 }, (_, i) => ({
      i,
      text: (i % 3 === 0 ? 'é🌍\ud800' : 'ascii ').repeat((i * 37) % 3_000),
    }))
    const written = values.map((value) => serializer.serialize(value))
    written.forEach((bytes, i) => {
      const text = values[i]!.text
      // Well-formed strings of 2,048 characters and more go beside the JSON (long-strings.test.ts).
      if (text.length < 2_048 || text.includes('\ud800'))
        expect(bytes).toEqual(utf8Encode(JSON.stringify(values[i])))
      else expect(bytes[0]).toBe(0x01)
      expect(serializer.deserialize(bytes)).toEqual(JSON.parse(JSON.stringify(values[i])))
    })
  })

  test('results do not overlap: changing one leaves the others intact', () => {
    const serializer = jsonSerializer()
    const a = serializer.serialize({ a: 'first' })
    const b = serializer.serialize({ b: 'second' })
    a.fill(0x20)
    expect(serializer.deserialize(b)).toEqual({ b: 'second' })
  })
})
