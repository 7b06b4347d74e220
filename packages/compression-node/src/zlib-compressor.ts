import { constants as bufferConstants } from 'node:buffer'
import {
  brotliCompressSync,
  brotliDecompressSync,
  constants,
  deflateRawSync,
  inflateRawSync,
  type ZlibOptions,
} from 'node:zlib'
import { type Compressor, ValidationError } from '@cache/core'
import { DecompressionLimitError } from './decompression-limit-error'
import { BROTLI_LEVELS, DEFLATE_LEVELS, ZLIB_DEFAULTS } from './defaults'

/** Formats `zlibCompressor` writes. */
export type ZlibAlgorithm = 'brotli' | 'deflate'

/** Options for {@link zlibCompressor}. */
export interface ZlibCompressorOptions {
  /** `brotli` (smaller) or raw `deflate` (readable by `@cache/compression-fflate` on the edge). @default 'brotli' */
  algorithm?: ZlibAlgorithm
  /**
   * Brotli quality 0-11 or deflate level 0-9; `createCodec({ compressionLevel })` overrides it.
   * @default 1 for brotli, 6 for deflate
   */
  level?: number
}

interface Format {
  id: string
  levels: { readonly min: number; readonly max: number }
  defaultLevel: number
  compress(bytes: Uint8Array, level: number): Buffer
  decompress(bytes: Uint8Array, options: ZlibOptions): Buffer
}

const FORMATS: Record<ZlibAlgorithm, Format> = {
  brotli: {
    id: 'brotli',
    levels: BROTLI_LEVELS,
    defaultLevel: ZLIB_DEFAULTS.brotliLevel,
    compress: (bytes, level) =>
      brotliCompressSync(bytes, {
        params: {
          [constants.BROTLI_PARAM_QUALITY]: level,
          // Lets brotli size its window and buffers to the input instead of the 4 MiB default.
          [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length,
        },
      }),
    decompress: brotliDecompressSync,
  },
  deflate: {
    // Raw deflate is what fflate writes under this id: Node and edge runtimes read each other's entries.
    id: 'fflate-deflate',
    levels: DEFLATE_LEVELS,
    defaultLevel: ZLIB_DEFAULTS.deflateLevel,
    compress: (bytes, level) => deflateRawSync(bytes, { level }),
    decompress: inflateRawSync,
  },
}

function invalid(option: string, expected: string, got: unknown): never {
  throw new ValidationError(
    `zlibCompressor option ${option} must be ${expected}, got ${String(got)}`,
    'INVALID_OPTION',
  )
}

function checkLevel(level: unknown, format: Format, option: string): number {
  const { min, max } = format.levels
  if (typeof level !== 'number' || !Number.isInteger(level) || level < min || level > max) {
    invalid(option, `an integer from ${min} to ${max} for ${format.id}`, level)
  }
  return level
}

// A plain Uint8Array view: callers compare and keep bytes, and a Buffer's extra API is of no use to them.
const view = (buffer: Buffer) => new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength)

// zlib writes output in chunks of 16 KiB and concatenates them. One chunk sized for the likely result
// (text shrinks 3-4x) skips that: inflating W5's 100 KB responses took ~99 µs instead of ~125, copy
// included. The chunk never exceeds the bound, so a bomb still stops within one chunk past it.
const MAX_CHUNK = 1024 * 1024

function outputChunk(inputBytes: number, limit: number): number {
  const guess = Math.max(constants.Z_DEFAULT_CHUNK, 2 ** Math.ceil(Math.log2(Math.max(inputBytes, 1) * 4)))
  return Math.max(constants.Z_MIN_CHUNK, Math.min(guess, MAX_CHUNK, limit))
}

function isTooLarge(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === 'ERR_BUFFER_TOO_LARGE'
}

/**
 * Brotli or raw deflate through `node:zlib` (native, several times faster than pure JS; Node only,
 * for edge runtimes use `@cache/compression-fflate`). The envelope id (`brotli` or `fflate-deflate`)
 * does not depend on the level, so changing it never makes old entries unreadable. Decompression
 * stops once the output passes `maxBytes` (`maxOutputLength`), so a bomb is never inflated in full.
 */
export function zlibCompressor(options: ZlibCompressorOptions = {}): Compressor {
  const algorithm = options.algorithm ?? ZLIB_DEFAULTS.algorithm
  const format = FORMATS[algorithm as ZlibAlgorithm]
  if (!Object.hasOwn(FORMATS, algorithm) || !format) invalid('algorithm', "'brotli' or 'deflate'", algorithm)
  const defaultLevel = checkLevel(options.level ?? format.defaultLevel, format, 'level')
  return {
    id: format.id,
    levels: format.levels,
    compress(bytes, level) {
      const chosen = level === undefined ? defaultLevel : checkLevel(level, format, 'compressionLevel')
      return view(format.compress(bytes, chosen))
    },
    decompress(bytes, maxBytes) {
      // maxOutputLength must be at least 1; an empty bound is enforced on the result below.
      const limit = Math.min(Math.max(maxBytes, 1), bufferConstants.MAX_LENGTH)
      let out: Buffer
      try {
        out = format.decompress(bytes, {
          maxOutputLength: limit,
          chunkSize: outputChunk(bytes.byteLength, limit),
        })
      } catch (error) {
        if (isTooLarge(error)) throw new DecompressionLimitError(maxBytes, { cause: error })
        throw error
      }
      if (out.length > maxBytes) throw new DecompressionLimitError(maxBytes)
      // A result may be a view of a larger zlib chunk: copy it so a cached payload pins no spare memory.
      return out.byteLength === out.buffer.byteLength ? view(out) : new Uint8Array(out)
    },
  }
}
