import { proseBytes } from '@cache/conformance'
import {
  type CacheOptions,
  CorruptEntryError,
  createCache,
  createCodec,
  jsonSerializer,
  readEnvelope,
  type Store,
  ValidationError,
  writeEnvelope,
} from '@cache/core'
import { memoryL1, memoryStore } from '@cache/memory'
import { Deflate } from 'fflate'
import { describe, expect, test } from 'vitest'
import { fflateCompressor } from '../src/index'

const prose = (bytes: number) => new TextDecoder().decode(proseBytes(bytes))

async function cacheOver(store: Store, codec: CacheOptions['codec'], l1 = true) {
  const cache = await createCache({ store, codec, namespace: 'fz', ...(l1 ? { l1: memoryL1() } : {}) })
  const errors: Error[] = []
  cache.on('error', ({ error }) => errors.push(error))
  return { cache, errors }
}

const stored = async (store: Store, key: string) => readEnvelope((await store.get(`fz:${key}`))!)

describe('createCodec with fflateCompressor', () => {
  test('compresses values above the threshold, keeps small ones raw, and caches both', async () => {
    const store = memoryStore()
    const codec = createCodec({ compressor: fflateCompressor(), compressionThreshold: 1024 })
    const { cache } = await cacheOver(store, codec)
    await cache.set('small', 'x'.repeat(100))
    await cache.set('large', prose(100_000))
    expect((await stored(store, 'small')).compressorId).toBe('')
    const large = await stored(store, 'large')
    expect(large.compressorId).toBe('fflate-deflate')
    expect(large.payload.length).toBeLessThan(50_000)
    const { cache: other } = await cacheOver(store, codec)
    expect(await other.get('large')).toBe(prose(100_000))
    expect(await other.get('small')).toBe('x'.repeat(100))
  })

  test('old entries stay readable after a level change, with compression off, or read by JSON-only settings', async () => {
    const store = memoryStore()
    const { cache: writer } = await cacheOver(
      store,
      createCodec({ compressor: fflateCompressor(), compressionLevel: 9 }),
    )
    await writer.set('doc', prose(20_000))
    const readers = [
      createCodec({ compressor: fflateCompressor({ level: 1 }) }),
      createCodec({ compressor: fflateCompressor(), compressionThreshold: Number.POSITIVE_INFINITY }),
      createCodec({ readers: { compressors: [fflateCompressor()] } }),
    ]
    for (const codec of readers) {
      const { cache, errors } = await cacheOver(store, codec, false)
      expect(await cache.get('doc')).toBe(prose(20_000))
      expect(errors).toEqual([])
    }
  })

  test('a reader that does not know the compressor reads a miss, reports it and deletes the entry', async () => {
    const store = memoryStore()
    await (await cacheOver(store, createCodec({ compressor: fflateCompressor() }))).cache.set(
      'doc',
      prose(5000),
    )
    const { cache, errors } = await cacheOver(store, createCodec())
    expect(await cache.get('doc')).toBeUndefined()
    expect(errors[0]).toBeInstanceOf(CorruptEntryError)
    expect(errors[0]?.message).toMatch(/Unknown compressor "fflate-deflate"/)
    expect(await store.get('fz:doc')).toBeUndefined()
  })

  test('a decompression bomb in L2 is a miss with an error event, deleted, never inflated', async () => {
    const store = memoryStore()
    const parts: Uint8Array[] = []
    const deflate = new Deflate({ level: 1 }, (chunk) => parts.push(chunk))
    const zeros = new Uint8Array(1024 * 1024)
    for (let i = 0; i < 16; i++) deflate.push(zeros, i === 15)
    const payload = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
    let at = 0
    for (const part of parts) {
      payload.set(part, at)
      at += part.length
    }
    const now = Date.now()
    await store.set(
      'fz:bomb',
      writeEnvelope({
        flags: 1,
        serializerId: 'json',
        compressorId: 'fflate-deflate',
        keyId: '',
        meta: { createdAt: now, expiresAt: now + 60_000, staleUntil: now + 60_000, tags: [] },
        payload,
      }),
    )
    const codec = createCodec({ compressor: fflateCompressor(), maxDecompressedBytes: 1024 * 1024 })
    const { cache, errors } = await cacheOver(store, codec)
    expect(await cache.get('bomb')).toBeUndefined()
    expect(errors).toHaveLength(1)
    expect(errors[0]).toBeInstanceOf(CorruptEntryError)
    expect((errors[0]!.cause as Error).name).toBe('DecompressionLimitError')
    expect(await store.get('fz:bomb')).toBeUndefined()
  })

  test('a compressionLevel outside the compressor levels is refused at construction', () => {
    expect(() => createCodec({ compressor: fflateCompressor(), compressionLevel: 12 })).toThrow(
      ValidationError,
    )
    expect(() => createCodec({ compressor: fflateCompressor(), compressionLevel: 12 })).toThrow(
      /compressionLevel/,
    )
  })

  test('stats().compression reports counts, bytes before and after, and the ratio', async () => {
    const store = memoryStore()
    const codec = createCodec({ compressor: fflateCompressor(), compressionThreshold: 16 })
    const { cache } = await cacheOver(store, codec)
    expect(cache.stats().compression).toEqual({
      compressed: 0,
      uncompressed: 0,
      incompressible: 0,
      bytesBeforeCompression: 0,
      bytesAfterCompression: 0,
      ratio: 1,
    })
    await cache.set('a', prose(50_000))
    await cache.set('b', prose(30_000))
    await cache.set('tiny', 'hi')
    // Short, varied text above the threshold does not shrink: stored raw, still cached, counted.
    await cache.set('short', 'q7#Lm9!xZ2@vB5&kW3$')
    expect(await cache.get('short')).toBe('q7#Lm9!xZ2@vB5&kW3$')
    const stats = cache.stats().compression!
    const packed = (await stored(store, 'a')).payload.length + (await stored(store, 'b')).payload.length
    expect(stats.compressed).toBe(2)
    expect(stats.uncompressed).toBe(2)
    expect(stats.incompressible).toBe(1)
    // What the serializer wrote (long strings go beside the JSON, unescaped).
    const serialized = (text: string) => jsonSerializer().serialize(text).length
    expect(stats.bytesBeforeCompression).toBe(serialized(prose(50_000)) + serialized(prose(30_000)))
    expect(stats.bytesAfterCompression).toBe(packed)
    expect(stats.bytesAfterCompression).toBeLessThan(stats.bytesBeforeCompression / 2)
    expect(stats.ratio).toBeCloseTo(stats.bytesAfterCompression / stats.bytesBeforeCompression, 10)
  })
})
