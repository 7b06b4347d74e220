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
})
