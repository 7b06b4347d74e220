/** Defaults of the AI key generator and `createAiCache`. */
export const AI_CACHE_DEFAULTS = {
  /** @default 'v1' (bump it to retire every key of the previous scheme) */
  keyVersion: 'v1',
  /** @default 'ai' (first segment of every AI key inside the cache namespace) */
  keyPrefix: 'ai',
  /** @default 100 characters: longer strings appear in keys and canonical forms as SHA-256 digests */
  textHashThreshold: 100,
  /** @default 48 characters of sanitised text in the readable part of a key */
  readableMaxChars: 48,
  /** @default 1 hour for operations without their own TTL */
  defaultTtl: '1h',
  /** TTL per operation (the guide's values; embeddings do not change for a given model). */
  operationTtls: {
    /** @default 2 hours */
    summarize: '2h',
    /** @default 4 hours */
    sentiment: '4h',
    /** @default 30 minutes */
    qa: '30m',
    /** @default 24 hours */
    translate: '24h',
    /** @default 7 days */
    embed: '7d',
  },
} as const
