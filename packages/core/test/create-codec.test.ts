import { crc32 as zlibCrc32 } from 'node:zlib'
import { describe, expect, test } from 'vitest'
import {
  CorruptEntryError,
  createCodec,
  type EntryMeta,
  jsonSerializer,
  readEnvelope,
  type Serializer,
  utf8Encode,
  ValidationError,
  webCryptoEncryptor,
  writeEnvelope,
} from '../src/index'

const meta: EntryMeta = { createdAt: 1, expiresAt: 10, staleUntil: 20, tags: ['t'] }
const payload = (value: unknown) => jsonSerializer().serialize(value)

// A second serializer id over the same JSON text, standing in for "the serializer old entries used".
const legacyJson = (): Serializer => ({ ...jsonSerializer(), id: 'legacy-json' })

describe('createCodec', () => {
  test('opens what it sealed, with meta', async () => {
    const codec = createCodec()
    const opened = await codec.open(await codec.seal(payload({ a: [1, 'é'] }), meta))
    expect(opened.value).toEqual({ a: [1, 'é'] })
    expect(opened.meta).toEqual(meta)
  })

  test('always reads JSON entries, even when configured with another serializer', async () => {
    const written = await createCodec().seal(payload({ a: 1 }), meta)
    const reader = createCodec({ serializer: legacyJson() })
    expect((await reader.open(written)).value).toEqual({ a: 1 })
  })

  test('reads entries of a serializer listed in readers, and refuses unknown ones', async () => {
    const written = await createCodec({ serializer: legacyJson() }).seal(payload('x'), meta)
    await expect(createCodec().open(written)).rejects.toThrow(/Unknown serializer "legacy-json"/)
    const reader = createCodec({ readers: { serializers: [legacyJson()] } })
    expect((await reader.open(written)).value).toBe('x')
  })

  test('refuses a payload above maxDecompressedBytes even when stored raw', async () => {
    const written = await createCodec().seal(payload('x'.repeat(100)), meta)
    await expect(createCodec({ maxDecompressedBytes: 50 }).open(written)).rejects.toThrow(CorruptEntryError)
  })

  test('turns a payload its serializer cannot read into a CorruptEntryError', async () => {
    const codec = createCodec()
    const written = await codec.seal(utf8Encode('{not json'), meta)
    await expect(codec.open(written)).rejects.toThrow(CorruptEntryError)
  })

  test('counts uncompressed writes without a compressor', async () => {
    const codec = createCodec()
    await codec.seal(payload('x'.repeat(5000)), meta)
    expect(codec.stats()).toEqual({
      compressed: 0,
      uncompressed: 1,
      incompressible: 0,
      bytesBeforeCompression: 0,
      bytesAfterCompression: 0,
    })
  })

  test.each([
    [{ compressionThreshold: -1 }, /compressionThreshold/],
    [{ compressionThreshold: 1.5 }, /compressionThreshold/],
    [{ maxDecompressedBytes: Infinity }, /maxDecompressedBytes/],
    [{ compressionLevel: 3 }, /compressionLevel needs a compressor/],
    [{ serializer: { ...jsonSerializer(), id: '' } }, /serializer.id/],
  ])('rejects bad options %o', (options, message) => {
    expect(() => createCodec(options as never)).toThrow(ValidationError)
    expect(() => createCodec(options as never)).toThrow(message)
  })

  test('accepts an infinite threshold (compression off, old entries still readable)', () => {
    expect(() => createCodec({ compressionThreshold: Infinity })).not.toThrow()
  })
})

describe('createCodec openSync', () => {
  test('decodes an unencrypted entry as open does, without a promise', async () => {
    const codec = createCodec()
    const sealed = await codec.seal(payload({ a: [1, 'é'] }), meta)
    const now = codec.openSync?.(sealed)
    expect(now).not.toBeInstanceOf(Promise)
    expect(now).toEqual(await codec.open(sealed))
  })

  test('leaves an encrypted entry to open (undefined), and throws CorruptEntryError where open rejects', async () => {
    const codec = createCodec({
      encryptor: webCryptoEncryptor({ keys: { k1: new Uint8Array(32).fill(7) }, current: 'k1' }),
    })
    const sealed = await codec.seal(payload('secret'), meta)
    expect(codec.openSync?.(sealed)).toBeUndefined()
    expect((await codec.open(sealed)).value).toBe('secret')
    const plain = createCodec()
    const written = await plain.seal(utf8Encode('{not json'), meta)
    expect(() => plain.openSync?.(written)).toThrow(CorruptEntryError)
    const flipped = (await plain.seal(payload({ a: 1 }), meta)).slice()
    flipped[flipped.length - 6]! ^= 1
    expect(() => plain.openSync?.(flipped)).toThrow(CorruptEntryError)
  })
})

describe('createCodec open payload', () => {
  test('hands back the serialized bytes, uncopied, when the current serializer wrote the entry', async () => {
    const codec = createCodec()
    const sealed = await codec.seal(payload({ a: 1 }), meta)
    const opened = await codec.open(sealed)
    expect(new TextDecoder().decode(opened.payload)).toBe('{"a":1}')
    // A view of the envelope: whoever keeps it copies it (L1 does, see get-or-set-many.test.ts).
    expect(opened.payload!.buffer).toBe(sealed.buffer)
  })

  test('omits the payload for entries of another serializer (L1 re-serializes those)', async () => {
    const written = await createCodec({ serializer: legacyJson() }).seal(payload('x'), meta)
    const opened = await createCodec({ readers: { serializers: [legacyJson()] } }).open(written)
    expect(opened.payload).toBeUndefined()
  })
})

describe('createCodec crc32 option', () => {
  test('a native CRC-32 (node:zlib) writes and reads the same envelopes as the built-in one', async () => {
    let calls = 0
    const native = (bytes: Uint8Array) => {
      calls++
      return zlibCrc32(bytes)
    }
    const fast = createCodec({ crc32: native })
    const plain = createCodec()
    const value = { text: 'x'.repeat(5000), n: 1 }
    const sealed = await fast.seal(payload(value), meta)
    expect(sealed).toEqual(await plain.seal(payload(value), meta))
    expect((await plain.open(sealed)).value).toEqual(value)
    expect((await fast.open(await plain.seal(payload(value), meta))).value).toEqual(value)
    expect(calls).toBeGreaterThan(2)
    const flipped = sealed.slice()
    flipped[40] = flipped[40]! ^ 1
    await expect(fast.open(flipped)).rejects.toThrow(CorruptEntryError)
  })

  test('refuses a crc32 that is not a function or computes another checksum, naming the option', () => {
    for (const crc32 of ['zlib', () => 0, (bytes: Uint8Array) => zlibCrc32(bytes) ^ 1]) {
      expect(() => createCodec({ crc32: crc32 as (bytes: Uint8Array) => number })).toThrow(ValidationError)
      expect(() => createCodec({ crc32: crc32 as (bytes: Uint8Array) => number })).toThrow(/option crc32/)
    }
  })
})

describe('createCodec envelope bytes', () => {
  test('seal writes exactly the envelope writeEnvelope builds, with and without tags', async () => {
    const codec = createCodec()
    for (const tags of [[], ['t'], ['user:1', 'tägs 🌍']]) {
      const entryMeta = { ...meta, tags }
      const body = payload({ a: 1, tags })
      const expected = writeEnvelope({
        flags: 0,
        serializerId: 'json',
        compressorId: '',
        keyId: '',
        meta: entryMeta,
        payload: body,
      })
      expect(await codec.seal(body, entryMeta)).toEqual(expected)
      const opened = await codec.open(expected)
      expect(opened.meta).toEqual(entryMeta)
      expect(opened.value).toEqual({ a: 1, tags })
    }
  })

  test('an entry without tags opens with an empty tag list that cannot be changed', async () => {
    const codec = createCodec()
    const opened = await codec.open(await codec.seal(payload(1), { ...meta, tags: [] }))
    expect(opened.meta.tags).toEqual([])
    expect(() => (opened.meta.tags as string[]).push('x')).toThrow(TypeError)
  })

  test('reads an entry of another serializer id of the same length as its own', async () => {
    const sameLength: Serializer = { ...jsonSerializer(), id: 'jsox' }
    const written = await createCodec({ serializer: sameLength }).seal(payload('x'), meta)
    expect(readEnvelope(written).serializerId).toBe('jsox')
    await expect(createCodec().open(written)).rejects.toThrow(/Unknown serializer "jsox"/)
  })
})
