/** Defaults of `zlibCompressor`. */
export const ZLIB_DEFAULTS = {
  /** @default 'brotli' (smaller than deflate at the same speed on text) */
  algorithm: 'brotli',
  /** Brotli quality when `level` is omitted. @default 1 (half the CPU of 5 for ~9 % more bytes in W5; see README) */
  brotliLevel: 1,
  /** Deflate level when `level` is omitted. @default 6 (zlib's and fflateCompressor's default) */
  deflateLevel: 6,
} as const

/** Brotli qualities: 0 fastest, 11 smallest. */
export const BROTLI_LEVELS = { min: 0, max: 11 } as const

/** Deflate levels: 0 stores, 9 compresses hardest. */
export const DEFLATE_LEVELS = { min: 0, max: 9 } as const
