import {
  CorruptEntryError,
  createCodec,
  jsonSerializer,
  webCryptoEncryptor,
  writeEnvelope,
} from '@cache/core'
import { deflateSync } from 'fflate'
import { describe, expect, test } from 'vitest'
import { fflateCompressor } from '../src/index'
import { inflateBounded, inputStepBytes } from '../src/inflate-bounded'

const meta = { createdAt: 1, expiresAt: 2, staleUntil: 3, tags: [] as string[] }
const forged = (payload: Uint8Array) =>
  writeEnvelope({ flags: 1, serializerId: 'json', compressorId: 'fflate-deflate', keyId: '', meta, payload })

describe('fflate compressor in the codec', () => {
  test('maxDecompressedBytes is exact: a payload of exactly the bound reads, one byte more is a CorruptEntryError', async () => {
    const serializer = jsonSerializer()
    const payload = serializer.serialize(new Array(2_000).fill(7)) // [7,7,...]: 4001 bytes
    expect(payload.length).toBe(4_001)
    const writer = createCodec({ compressor: fflateCompressor(), compressionThreshold: 0 })
    const sealed = await writer.seal(payload, meta)
    const exact = createCodec({ compressor: fflateCompressor(), maxDecompressedBytes: 4_001 })
    expect((await exact.open(sealed)).value).toEqual(new Array(2_000).fill(7))
    const under = createCodec({ compressor: fflateCompressor(), maxDecompressedBytes: 4_000 })
    const error = await under.open(sealed).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(CorruptEntryError)
    expect(((error as Error).cause as Error).name).toBe('DecompressionLimitError')
  })

  test('a bomb never produces more than one input step of output beyond the bound', () => {
    const bomb = deflateSync(new Uint8Array(64 * 1024 * 1024), { level: 9 })
    for (const bound of [0, 1, 1_000, 100_000, 4 * 1024 * 1024]) {
      let most = 0
      expect(() =>
        inflateBounded(bomb, bound, (n) => {
          most = Math.max(most, n)
        }),
      ).toThrow(/exceeds the limit/)
      expect(most).toBeLessThanOrEqual(bound + 1_100 * inputStepBytes(bound))
    }
  })

  test('every truncation of a compressed payload (valid envelope and CRC) is a CorruptEntryError', async () => {
    const codec = createCodec({ compressor: fflateCompressor() })
    const compressed = fflateCompressor().compress(jsonSerializer().serialize({ text: 'hello '.repeat(500) }))
    for (let cut = 0; cut < compressed.length; cut++) {
      await expect(codec.open(forged(compressed.subarray(0, cut)))).rejects.toBeInstanceOf(CorruptEntryError)
    }
  })

  test('JSON (long strings, lone surrogates) + fflate + AES-GCM round trip, and a long JSON text compressed in place stays intact', async () => {
    const encryptor = webCryptoEncryptor({ keys: { k: new Uint8Array(32).fill(9) }, current: 'k' })
    const json = jsonSerializer()
    const rich = {
      when: 'x',
      list: [1, -0, null],
      text: 'é🌍'.repeat(2_000),
      lone: `${'a'.repeat(3_000)}\ud800`,
    }
    const codec = createCodec({ compressor: fflateCompressor(), encryptor })
    expect((await codec.open(await codec.seal(json.serialize(rich), meta))).value).toStrictEqual(
      JSON.parse(JSON.stringify(rich)),
    )
    const plain = createCodec({ compressor: fflateCompressor() })
    const value = { text: 'long '.repeat(5_000), other: 'ü'.repeat(3_000) }
    const payload = json.serialize(value)
    const copy = payload.slice()
    const sealed = plain.sealSync!(payload, meta)!
    expect(payload).toEqual(copy)
    expect((await plain.open(sealed)).value).toEqual(value)
  })
})
