import { fflateCompressor } from '@cache/compression-fflate'
import { proseBytes } from '@cache/conformance'
import {
  type Compressor,
  CorruptEntryError,
  createCache,
  createCodec,
  readEnvelope,
  type Store,
  ValidationError,
} from '@cache/core'
import { memoryStore } from '@cache/memory'
import { describe, expect, test } from 'vitest'
import { DecompressionLimitError, zlibCompressor } from '../src/index'

const prose = (bytes: number) => new TextDecoder().decode(proseBytes(bytes))

async function cacheWith(store: Store, compressor?: Compressor, readers: Compressor[] = []) {
  const codec = createCodec({ ...(compressor ? { compressor } : {}), readers: { compressors: readers } })
  const cache = await createCache({ store, codec, namespace: 'zn' })
  const errors: Error[] = []
  cache.on('error', ({ error }) => errors.push(error))
  return { cache, errors }
}

const stored = async (store: Store, key: string) => readEnvelope((await store.get(`zn:${key}`))!)

describe('createCodec with zlibCompressor', () => {
  test('brotli entries carry the id "brotli", shrink prose and read back under any level', async () => {
    const store = memoryStore()
    await (await cacheWith(store, zlibCompressor({ level: 9 }))).cache.set('doc', prose(100_000))
    const envelope = await stored(store, 'doc')
    expect(envelope.compressorId).toBe('brotli')
    expect(envelope.payload.length).toBeLessThan(30_000)
    for (const reader of [zlibCompressor(), zlibCompressor({ level: 0 })]) {
      const { cache, errors } = await cacheWith(store, reader)
      expect(await cache.get('doc')).toBe(prose(100_000))
      expect(errors).toEqual([])
    }
  })

  test('deflate entries are read by @cache/compression-fflate, and fflate entries by zlibCompressor', async () => {
    const store = memoryStore()
    await (await cacheWith(store, zlibCompressor({ algorithm: 'deflate', level: 6 }))).cache.set(
      'from-node',
      prose(50_000),
    )
    await (await cacheWith(store, fflateCompressor())).cache.set('from-edge', prose(40_000))
    expect((await stored(store, 'from-node')).compressorId).toBe('fflate-deflate')
    expect((await stored(store, 'from-edge')).compressorId).toBe('fflate-deflate')
    const edge = await cacheWith(store, fflateCompressor())
    expect(await edge.cache.get('from-node')).toBe(prose(50_000))
    const node = await cacheWith(store, zlibCompressor({ algorithm: 'deflate' }))
    expect(await node.cache.get('from-edge')).toBe(prose(40_000))
    expect([...edge.errors, ...node.errors]).toEqual([])
  })

  test('a brotli codec that keeps deflate as a reader reads both formats', async () => {
    const store = memoryStore()
    await (await cacheWith(store, fflateCompressor())).cache.set('old', prose(20_000))
    const { cache, errors } = await cacheWith(store, zlibCompressor(), [
      zlibCompressor({ algorithm: 'deflate' }),
    ])
    await cache.set('new', prose(30_000))
    expect((await stored(store, 'new')).compressorId).toBe('brotli')
    expect(await cache.get('old')).toBe(prose(20_000))
    expect(await cache.get('new')).toBe(prose(30_000))
    expect(errors).toEqual([])
  })

  test('a reader without brotli reads a brotli entry as a miss, reports it and deletes it', async () => {
    const store = memoryStore()
    await (await cacheWith(store, zlibCompressor())).cache.set('doc', prose(5_000))
    const { cache, errors } = await cacheWith(store, fflateCompressor())
    expect(await cache.get('doc')).toBeUndefined()
    expect(errors[0]).toBeInstanceOf(CorruptEntryError)
    expect(errors[0]?.message).toMatch(/Unknown compressor "brotli"/)
    expect(await store.get('zn:doc')).toBeUndefined()
  })

  test('a corrupt compressed payload is a miss with an error event, never garbage', async () => {
    const store = memoryStore()
    const brotli = zlibCompressor()
    const { cache, errors } = await cacheWith(store, brotli)
    const garbage = brotli.compress(proseBytes(10_000)).map((byte, i) => (i > 8 ? byte ^ 0x5a : byte))
    const codec = createCodec({ compressor: { ...brotli, compress: () => garbage } })
    await (await createCache({ store, codec, namespace: 'zn' })).set('bad', prose(10_000))
    expect(await cache.get('bad')).toBeUndefined()
    expect(errors[0]).toBeInstanceOf(CorruptEntryError)
  })
})

describe('zlibCompressor options', () => {
  test('refuses an unknown algorithm and levels outside its range, naming the option', () => {
    expect(() => zlibCompressor({ algorithm: 'zstd' as 'brotli' })).toThrow(ValidationError)
    expect(() => zlibCompressor({ algorithm: 'zstd' as 'brotli' })).toThrow(/option algorithm/)
    expect(() => zlibCompressor({ level: 12 })).toThrow(/option level must be an integer from 0 to 11/)
    expect(() => zlibCompressor({ algorithm: 'deflate', level: 10 })).toThrow(/from 0 to 9/)
    expect(() => zlibCompressor({ level: 2.5 })).toThrow(ValidationError)
    expect(() => zlibCompressor().compress(new Uint8Array(10), -1)).toThrow(/option compressionLevel/)
  })

  test('createCodec checks compressionLevel against the chosen algorithm', () => {
    expect(() => createCodec({ compressor: zlibCompressor(), compressionLevel: 11 })).not.toThrow()
    expect(() =>
      createCodec({ compressor: zlibCompressor({ algorithm: 'deflate' }), compressionLevel: 11 }),
    ).toThrow(/compressionLevel must be between 0 and 9/)
  })

  test('higher brotli levels give smaller output on prose; the default sits between 0 and 11', () => {
    const input = proseBytes(100_000)
    const brotli = zlibCompressor()
    const sizes = [0, undefined, 11].map((level) => brotli.compress(input, level).length)
    expect(sizes[0]).toBeGreaterThan(sizes[1]!)
    expect(sizes[1]).toBeGreaterThan(sizes[2]!)
  })

  test('returns plain Uint8Arrays, and decompressed bytes own their memory', () => {
    const brotli = zlibCompressor()
    const packed = brotli.compress(proseBytes(2_000))
    expect(Object.getPrototypeOf(packed)).toBe(Uint8Array.prototype)
    const out = brotli.decompress(packed, 2_000)
    expect(Object.getPrototypeOf(out)).toBe(Uint8Array.prototype)
    expect(out.buffer.byteLength).toBe(out.byteLength)
  })

  // Decompression sizes its output chunk from the input: one chunk, several, and a bound smaller than the guess.
  test.each(['brotli', 'deflate'] as const)(
    '%s reads back results of any size exactly, owning their memory',
    (algorithm) => {
      const compressor = zlibCompressor({ algorithm })
      const zeros = new Uint8Array(3 * 1024 * 1024)
      zeros[zeros.length - 1] = 7
      for (const input of [proseBytes(100), proseBytes(100_000), zeros]) {
        const packed = compressor.compress(input)
        for (const bound of [input.length, input.length + 1_000_000]) {
          const out = compressor.decompress(packed, bound)
          expect(Buffer.from(out).equals(input)).toBe(true)
          expect(out.buffer.byteLength).toBe(out.byteLength)
        }
        expect(() => compressor.decompress(packed, input.length - 1)).toThrow(DecompressionLimitError)
      }
    },
  )
})
