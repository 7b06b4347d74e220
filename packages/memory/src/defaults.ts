/** Defaults of `memoryL1`. */
export const L1_DEFAULTS = {
  /** @default 10000 entries */
  maxItems: 10_000,
  /** @default 64 MiB (estimated from serialized size) */
  maxBytes: 64 * 1024 * 1024,
  /** @default 'lru' (see the package README for when 'tinylfu' pays off) */
  admission: 'lru' as 'lru' | 'tinylfu',
} as const

/** Defaults of `memoryStore`. */
export const STORE_DEFAULTS = {
  /** @default 100000 entries */
  maxItems: 100_000,
  /** @default 256 MiB */
  maxBytes: 256 * 1024 * 1024,
} as const
