import { describe, expect, test } from 'vitest'
import {
  CorruptEntryError,
  crc32,
  ENVELOPE_VERSION,
  type Envelope,
  readEnvelope,
  utf8Encode,
  ValidationError,
  writeEnvelope,
} from '../src/index'

const sample = (): Envelope => ({
  flags: 0,
  serializerId: 'json',
  compressorId: '',
  keyId: '',
  meta: { createdAt: 1_000, expiresAt: 2_000, staleUntil: 3_000, tags: ['user:1', 'tägs 🌍'] },
  payload: utf8Encode('{"a":12345}'),
})

describe('envelope', () => {
  test('round-trips header, meta and payload', () => {
    const read = readEnvelope(writeEnvelope(sample()))
    expect(read.serializerId).toBe('json')
    expect(read.meta).toEqual(sample().meta)
    expect(new TextDecoder().decode(read.payload)).toBe('{"a":12345}')
  })

  test('keeps infinite expiry', () => {
    const meta = { createdAt: 1, expiresAt: Infinity, staleUntil: Infinity, tags: [] }
    expect(readEnvelope(writeEnvelope({ ...sample(), meta })).meta).toEqual(meta)
  })

  test('crc32 matches the zlib check value', () => {
    expect(crc32(utf8Encode('123456789'))).toBe(0xcbf43926)
    expect(crc32(new Uint8Array())).toBe(0)
  })

  test('crc32 equals a bit-by-bit reference for every length and offset up to 70 bytes', () => {
    const reference = (bytes: Uint8Array) => {
      let crc = 0xffffffff
      for (const byte of bytes) {
        crc ^= byte
        for (let k = 0; k < 8; k++) crc = crc & 1 ? 0xedb88320 ^ (crc >>> 1) : crc >>> 1
      }
      return (crc ^ 0xffffffff) >>> 0
    }
    const data = Uint8Array.from({ length: 80 }, (_, i) => (i * 151 + 7) & 0xff)
    for (let offset = 0; offset < 8; offset++) {
      for (let length = 0; length <= 70; length++) {
        const bytes = data.subarray(offset, offset + length)
        expect(crc32(bytes)).toBe(reference(bytes))
      }
    }
  })

  test('rejects every truncation', () => {
    const bytes = writeEnvelope(sample())
    for (let length = 0; length < bytes.length; length++) {
      expect(() => readEnvelope(bytes.subarray(0, length))).toThrow(CorruptEntryError)
    }
  })

  test('rejects every single flipped bit', () => {
    const bytes = writeEnvelope(sample())
    for (let i = 0; i < bytes.length; i++) {
      for (let bit = 0; bit < 8; bit++) {
        const copy = bytes.slice()
        copy[i]! ^= 1 << bit
        expect(() => readEnvelope(copy)).toThrow(CorruptEntryError)
      }
    }
  })

  test('rejects an unknown version with a clear reason', () => {
    const bytes = writeEnvelope(sample())
    bytes[2] = ENVELOPE_VERSION + 1
    expect(() => readEnvelope(bytes)).toThrow(/unknown envelope version/)
  })

  test('rejects values that are not bytes', () => {
    expect(() => readEnvelope('text' as unknown as Uint8Array)).toThrow(CorruptEntryError)
  })

  test('refuses oversized tags with a ValidationError', () => {
    const meta = { ...sample().meta, tags: ['x'.repeat(70_000)] }
    expect(() => writeEnvelope({ ...sample(), meta })).toThrow(ValidationError)
  })

  // Bytes written by the format's first implementation (DataView based): the writers must keep producing
  // them and the reader must keep reading them, so entries already in Redis stay valid.
  const GOLDEN_TAGGED =
    'cac10100046a736f6e00004278bcfe5687b0004278bcfee903b8007ff000000000000000020006757365723a31000a74c3a4677320f09f8c8d7b2261223a31323334357d5efefe1d'
  const GOLDEN_FLAGGED =
    'cac10103076d73677061636b0e66666c6174652d6465666c617465026b3140140000000000004014000000000000401800000000000000000102030719382b'
  const hex = (bytes: Uint8Array) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')
  const fromHex = (text: string) => Uint8Array.from(text.match(/../g)!, (pair) => Number.parseInt(pair, 16))
  const taggedMeta = {
    createdAt: 1_700_000_000_123,
    expiresAt: 1_700_000_600_123.5,
    staleUntil: Infinity,
    tags: ['user:1', 'tägs 🌍'],
  }

  test('writes the same bytes as the first implementation of the format', () => {
    const tagged = { ...sample(), meta: taggedMeta }
    expect(hex(writeEnvelope(tagged))).toBe(GOLDEN_TAGGED)
    const flagged: Envelope = {
      flags: 3,
      serializerId: 'msgpack',
      compressorId: 'fflate-deflate',
      keyId: 'k1',
      meta: { createdAt: 5, expiresAt: 5, staleUntil: 6, tags: [] },
      payload: new Uint8Array([1, 2, 3]),
    }
    expect(hex(writeEnvelope(flagged))).toBe(GOLDEN_FLAGGED)
  })

  test('reads entries written by the first implementation of the format', () => {
    const tagged = readEnvelope(fromHex(GOLDEN_TAGGED))
    expect(tagged.meta).toEqual(taggedMeta)
    expect(new TextDecoder().decode(tagged.payload)).toBe('{"a":12345}')
    const flagged = readEnvelope(fromHex(GOLDEN_FLAGGED))
    expect([flagged.flags, flagged.serializerId, flagged.compressorId, flagged.keyId]).toEqual([
      3,
      'msgpack',
      'fflate-deflate',
      'k1',
    ])
    expect(flagged.meta).toEqual({ createdAt: 5, expiresAt: 5, staleUntil: 6, tags: [] })
    expect(Array.from(flagged.payload)).toEqual([1, 2, 3])
    expect(hex(flagged.header)).toBe(GOLDEN_FLAGGED.slice(0, -14))
  })
})
