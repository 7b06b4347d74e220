import { describe, expect, test } from 'vitest'
import {
  CorruptEntryError,
  createCodec,
  type EntryMeta,
  encodeEnvelopeHeader,
  joinEnvelope,
  jsonSerializer,
  webCryptoEncryptor,
} from '../src/index'

const meta = (tags: readonly string[] = [], createdAt = 1_000): EntryMeta => ({
  createdAt,
  expiresAt: createdAt + 5_000,
  staleUntil: createdAt + 9_000,
  tags,
})
const long = (seed: number) => ({ id: seed, content: `line ${seed}\n`.repeat(4_000) })

/** The envelope bytes as the copying path builds them: header, payload, CRC. */
function expected(payload: Uint8Array, entry: EntryMeta): Uint8Array {
  const header = encodeEnvelopeHeader({
    flags: 0,
    serializerId: 'json',
    compressorId: '',
    keyId: '',
    meta: entry,
  })
  return joinEnvelope(header, payload)
}

describe('envelope sealed around a long JSON payload', () => {
  test('is written in the payload buffer, with the same bytes as a copied envelope', async () => {
    const codec = createCodec()
    for (const tags of [[], ['user:1', 'feed'], ['é'.repeat(40)]]) {
      const payload = jsonSerializer().serialize(long(tags.length))
      const want = expected(payload.slice(), meta(tags))
      const sealed = await codec.seal(payload, meta(tags))
      expect(sealed.buffer).toBe(payload.buffer)
      expect(sealed).toEqual(want)
      expect((await codec.open(sealed)).value).toEqual(long(tags.length))
    }
  })

  test('non-ASCII long text gets room too and reads back', async () => {
    const codec = createCodec()
    const value = { text: 'é🌍 日本語 '.repeat(3_000) }
    const payload = jsonSerializer().serialize(value)
    const want = expected(payload.slice(), meta())
    const sealed = await codec.seal(payload, meta())
    expect(sealed.buffer).toBe(payload.buffer)
    expect(sealed).toEqual(want)
    expect((await codec.open(sealed)).value).toEqual(value)
  })

  test('sealing the same payload twice copies the second time, leaving the first envelope intact', async () => {
    const codec = createCodec()
    const payload = jsonSerializer().serialize(long(1))
    const first = await codec.seal(payload, meta([], 1_000))
    const firstBytes = first.slice()
    const second = await codec.seal(payload, meta(['other'], 2_000))
    expect(second.buffer).not.toBe(payload.buffer)
    expect(first).toEqual(firstBytes)
    expect(second).toEqual(expected(payload, meta(['other'], 2_000)))
  })

  test('a header larger than the free room falls back to a copy with the same bytes', async () => {
    const codec = createCodec()
    const tags = Array.from({ length: 40 }, (_, i) => `a-rather-long-tag-name-${i}`)
    const payload = jsonSerializer().serialize(long(2))
    const sealed = await codec.seal(payload, meta(tags))
    expect(sealed.buffer).not.toBe(payload.buffer)
    expect(sealed).toEqual(expected(payload, meta(tags)))
  })

  test('a view inside a payload is never written around', async () => {
    const codec = createCodec()
    const payload = jsonSerializer().serialize(long(3))
    const inner = payload.subarray(1, payload.length - 1)
    const before = payload.slice()
    const sealed = await codec.seal(inner, meta())
    expect(sealed.buffer).not.toBe(payload.buffer)
    expect(payload).toEqual(before)
  })

  test('a flipped byte in an in-place envelope reads as corrupt', async () => {
    const codec = createCodec()
    const sealed = await codec.seal(jsonSerializer().serialize(long(4)), meta())
    const at = sealed.length >> 1
    sealed[at] = sealed[at]! ^ 0x01
    await expect(codec.open(sealed)).rejects.toBeInstanceOf(CorruptEntryError)
  })
})

describe('envelope sealed around a short JSON payload', () => {
  const short = (seed: number) => ({ id: seed, name: `row ${seed}`, bio: 'x'.repeat(seed % 900) })

  test('is written around the payload in its shared block, with the same bytes as a copied envelope', async () => {
    const codec = createCodec()
    for (const tags of [[], ['user:1', 'feed']]) {
      const payload = jsonSerializer().serialize(short(tags.length))
      const want = expected(payload.slice(), meta(tags))
      const sealed = codec.sealSync!(payload, meta(tags))!
      expect(sealed.buffer).toBe(payload.buffer)
      expect(sealed.buffer.byteLength).toBeGreaterThan(sealed.length)
      expect(sealed).toEqual(want)
      expect(codec.openSync!(sealed)!.value).toEqual(short(tags.length))
    }
  })

  test('neighbouring envelopes in shared blocks never overlap, whatever the order of sealing', async () => {
    const codec = createCodec()
    const values = Array.from({ length: 300 }, (_, i) => short(i * 7))
    const payloads = values.map((v) => jsonSerializer().serialize(v))
    // Sealed in reverse: each envelope's header and CRC land in room no other payload uses.
    const sealed = payloads
      .map((_, i) => payloads.length - 1 - i)
      .map((i) => codec.sealSync!(payloads[i]!, meta())!)
    sealed.reverse()
    // 300 payloads fill several blocks; those of replaced blocks keep their room too (batch writes
    // serialize every value before sealing any).
    expect(new Set(payloads.map((p) => p.buffer)).size).toBeGreaterThan(1)
    expect(sealed.filter((bytes, i) => bytes.buffer !== payloads[i]!.buffer)).toEqual([])
    sealed.forEach((bytes, i) => {
      expect(codec.openSync!(bytes)!.value).toEqual(values[i])
      expect(jsonSerializer().deserialize(payloads[i]!)).toEqual(values[i])
    })
  })

  test('sealing twice, a view inside the payload, or too many tags: a copy, and the payload intact', async () => {
    const codec = createCodec()
    const payload = jsonSerializer().serialize(short(5))
    const before = payload.slice()
    const first = await codec.seal(payload, meta())
    const second = await codec.seal(payload, meta(['other']))
    expect(second.buffer).not.toBe(payload.buffer)
    expect(second).toEqual(expected(before, meta(['other'])))
    expect(codec.openSync!(first)!.value).toEqual(short(5))

    const other = jsonSerializer().serialize(short(6))
    const inner = other.subarray(0, other.length - 1)
    const otherBefore = other.slice()
    expect((await codec.seal(inner, meta())).buffer).not.toBe(other.buffer)
    const tags = Array.from({ length: 8 }, (_, i) => `a-rather-long-tag-name-${i}`)
    const tagged = await codec.seal(other, meta(tags))
    expect(tagged.buffer).not.toBe(other.buffer)
    expect(tagged).toEqual(expected(otherBefore, meta(tags)))
    expect(other).toEqual(otherBefore)
    expect(payload).toEqual(before)
  })

  test('sealSync gives the bytes seal gives, and defers to seal when encrypting', async () => {
    const plain = createCodec()
    expect(plain.sealSync!(payload(), meta(['t']))).toEqual(await plain.seal(payload(), meta(['t'])))
    const key = new Uint8Array(32).fill(7)
    const encrypted = createCodec({ encryptor: webCryptoEncryptor({ keys: { k1: key }, current: 'k1' }) })
    expect(encrypted.sealSync!(payload(), meta())).toBeUndefined()
    expect((await encrypted.open(await encrypted.seal(payload(), meta()))).value).toEqual({ a: 1 })

    function payload() {
      return jsonSerializer().serialize({ a: 1 })
    }
  })
})
