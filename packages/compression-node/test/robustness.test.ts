import { brotliCompressSync, constants, deflateRawSync } from 'node:zlib'
import { CorruptEntryError, createCodec, jsonSerializer, writeEnvelope } from '@cache/core'
import { describe, expect, test } from 'vitest'
import { zlibCompressor } from '../src/index'

const meta = { createdAt: 1, expiresAt: 2, staleUntil: 3, tags: [] as string[] }
const forged = (compressorId: string, payload: Uint8Array) =>
  writeEnvelope({ flags: 1, serializerId: 'json', compressorId, keyId: '', meta, payload })

describe.each(['brotli', 'deflate'] as const)('audit: zlibCompressor (%s) in the codec', (algorithm) => {
  const compressor = () => zlibCompressor({ algorithm })

  test('maxDecompressedBytes is exact: a payload of exactly the bound reads, one byte more is a CorruptEntryError', async () => {
    const payload = jsonSerializer().serialize(new Array(2_000).fill(7))
    const sealed = await createCodec({ compressor: compressor(), compressionThreshold: 0 }).seal(
      payload,
      meta,
    )
    expect(
      (await createCodec({ compressor: compressor(), maxDecompressedBytes: 4_001 }).open(sealed)).value,
    ).toEqual(new Array(2_000).fill(7))
    const error = await createCodec({ compressor: compressor(), maxDecompressedBytes: 4_000 })
      .open(sealed)
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(CorruptEntryError)
    expect(((error as Error).cause as Error).name).toBe('DecompressionLimitError')
  })

  test('a bomb under a small codec bound is a CorruptEntryError caused by DecompressionLimitError', async () => {
    const zeros = new Uint8Array(32 * 1024 * 1024)
    const bomb =
      algorithm === 'brotli'
        ? brotliCompressSync(zeros, { params: { [constants.BROTLI_PARAM_QUALITY]: 1 } })
        : deflateRawSync(zeros, { level: 9 })
    const codec = createCodec({ compressor: compressor(), maxDecompressedBytes: 64 * 1024 })
    const id = compressor().id
    const error = await codec.open(forged(id, bomb)).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(CorruptEntryError)
    expect(((error as Error).cause as Error).name).toBe('DecompressionLimitError')
  })

  test('every truncation of a compressed payload (valid envelope and CRC) is a CorruptEntryError', async () => {
    const codec = createCodec({ compressor: compressor() })
    const c = compressor()
    const compressed = c.compress(jsonSerializer().serialize({ text: 'hello '.repeat(500) }))
    for (let cut = 0; cut < compressed.length; cut++) {
      await expect(codec.open(forged(c.id, compressed.subarray(0, cut)))).rejects.toBeInstanceOf(
        CorruptEntryError,
      )
    }
  })
})
