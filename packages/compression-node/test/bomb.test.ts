import { brotliCompressSync, constants, deflateRawSync } from 'node:zlib'
import { describe, expect, test } from 'vitest'
import { DecompressionLimitError, zlibCompressor } from '../src/index'

const MiB = 1024 * 1024

/*
 * `mib` MiB of zeros as raw deflate, built without compressing them: one sync-flushed (non-final) segment
 * for 1 MiB of zeros, repeated, then an empty final block. At 8 GiB no Node Buffer can hold the output,
 * so the call returns our error only because inflation stops at the bound.
 */
function deflateBomb(mib: number): Uint8Array {
  const segment = deflateRawSync(new Uint8Array(MiB), { level: 9, finishFlush: constants.Z_SYNC_FLUSH })
  const tail = deflateRawSync(new Uint8Array())
  const copies = mib
  const bomb = new Uint8Array(segment.length * copies + tail.length)
  for (let i = 0; i < copies; i++) bomb.set(segment, i * segment.length)
  bomb.set(tail, segment.length * copies)
  return bomb
}

describe('decompression bombs are refused at the bound', () => {
  test('an 8 GiB deflate bomb under a 1 MiB bound throws DecompressionLimitError', () => {
    const bomb = deflateBomb(8 * 1024)
    expect(bomb.length).toBeLessThan(16 * MiB)
    const deflate = zlibCompressor({ algorithm: 'deflate' })
    let caught: unknown
    try {
      deflate.decompress(bomb, MiB)
    } catch (error) {
      caught = error
    }
    expect(caught).toBeInstanceOf(DecompressionLimitError)
    expect((caught as Error).message).toBe(`Decompressed data exceeds the limit of ${MiB} bytes`)
    // Node stopped at our bound, not at its own maximum Buffer size.
    expect(((caught as Error).cause as Error).message).toContain(String(MiB))
  })

  test('the bomb is a valid stream: three segments inflate to exactly 3 MiB of zeros', () => {
    const out = zlibCompressor({ algorithm: 'deflate' }).decompress(deflateBomb(3), 3 * MiB)
    expect(out.length).toBe(3 * MiB)
    expect(out.every((byte) => byte === 0)).toBe(true)
  })

  test('a 256 MiB brotli bomb under a 1 MiB bound throws DecompressionLimitError at our bound', () => {
    const bomb = brotliCompressSync(new Uint8Array(256 * MiB), {
      params: { [constants.BROTLI_PARAM_QUALITY]: 1 },
    })
    expect(bomb.length).toBeLessThan(MiB / 8)
    let caught: unknown
    try {
      zlibCompressor().decompress(bomb, MiB)
    } catch (error) {
      caught = error
    }
    expect(caught).toBeInstanceOf(DecompressionLimitError)
    expect(((caught as Error).cause as Error).message).toContain(String(MiB))
  })

  test('a bound of 0 accepts only empty output', () => {
    const brotli = zlibCompressor()
    expect(brotli.decompress(brotli.compress(new Uint8Array()), 0)).toEqual(new Uint8Array())
    expect(() => brotli.decompress(brotli.compress(new Uint8Array([1])), 0)).toThrow(DecompressionLimitError)
  })
})
