import { type Compressor, ValidationError } from '@cache/core'
import { deflateSync } from 'fflate'
import { FFLATE_DEFAULTS, FFLATE_LEVELS } from './defaults'
import { inflateBounded } from './inflate-bounded'

/** Options for {@link fflateCompressor}. */
export interface FflateCompressorOptions {
  /** Deflate level, 0 (store) to 9 (smallest); `createCodec({ compressionLevel })` overrides it. @default 6 */
  level?: number
}

type DeflateLevel = 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9

function checkLevel(level: unknown, option: string): DeflateLevel {
  if (
    typeof level !== 'number' ||
    !Number.isInteger(level) ||
    level < FFLATE_LEVELS.min ||
    level > FFLATE_LEVELS.max
  ) {
    throw new ValidationError(
      `fflateCompressor option ${option} must be an integer from ${FFLATE_LEVELS.min} to ${FFLATE_LEVELS.max}, got ${String(level)}`,
      'INVALID_OPTION',
    )
  }
  return level as DeflateLevel
}

/**
 * Raw deflate through fflate (pure JS, runs on the edge). The envelope id `fflate-deflate` does not
 * depend on the level, so changing the level never makes old entries unreadable. Decompression
 * streams and stops at `maxBytes`.
 */
export function fflateCompressor(options: FflateCompressorOptions = {}): Compressor {
  const defaultLevel = checkLevel(options.level ?? FFLATE_DEFAULTS.level, 'level')
  return {
    id: 'fflate-deflate',
    levels: FFLATE_LEVELS,
    compress(bytes, level) {
      return deflateSync(bytes, {
        level: level === undefined ? defaultLevel : checkLevel(level, 'compressionLevel'),
      })
    },
    decompress(bytes, maxBytes) {
      return inflateBounded(bytes, maxBytes)
    },
  }
}
