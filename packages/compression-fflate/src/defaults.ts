/** Defaults of `fflateCompressor`. */
export const FFLATE_DEFAULTS = {
  /** @default 6 (zlib's default: a good ratio at a fraction of level 9's cost) */
  level: 6,
} as const

/** Deflate levels fflate accepts: 0 stores, 9 compresses hardest. */
export const FFLATE_LEVELS = { min: 0, max: 9 } as const
