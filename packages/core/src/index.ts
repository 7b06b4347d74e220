export {
  AiCache,
  type AiResult,
  type CacheResponseInput,
  createAiCache,
  type StoredAnswer,
} from './ai/ai-cache'
export {
  type AiCacheOptions,
  type CacheablePolicy,
  defaultCacheable,
} from './ai/ai-cache-options'
export type { AiCacheStats, AiOperationStats, AiOutcome } from './ai/ai-stats'
export { AiStream } from './ai/ai-stream'
export { decodeBase64, encodeBase64 } from './ai/base64'
export { type CanonicalContext, canonicalize, type HashedPart } from './ai/canonical'
export { AI_CACHE_DEFAULTS } from './ai/defaults'
export { sha256Hex } from './ai/digest'
export type { EmbedMissing, EmbedOptions } from './ai/embeddings'
export { decodeVector, encodeVector, type StoredVector } from './ai/float32'
export {
  aiCacheKey,
  CacheKeyGenerator,
  type KeyExplanation,
  type KeyGeneratorOptions,
} from './ai/key-generator'
export {
  normalizeOptions,
  type OptionSchema,
  type OptionSchemas,
  type OptionSpec,
  type OptionType,
} from './ai/option-schema'
export {
  type AiRequest,
  type ChatMessage,
  type ChatRequest,
  type ContentPart,
  NON_SEMANTIC_FIELDS,
  type TextRequest,
} from './ai/request-shapes'
export type { StreamSource } from './ai/shared-stream'
export {
  extractStreamUsage,
  extractUsage,
  type ModelPrice,
  type PriceTable,
  type TokenUsage,
} from './ai/usage'
export { utf8Decode, utf8Encode, utf8Length } from './bytes'
export type { CacheEvents, Tier } from './cache/events'
export type { BatchLoader, BatchLoaderResult } from './cache/get-or-set-many'
export type { CacheHealth, TierHealth } from './cache/health'
export type { CacheOptions, SetOptions } from './cache/options'
export type { CacheStats, TierStats } from './cache/stats'
export { createCache, type SetManyEntry, TieredCache } from './cache/tiered-cache'
export { type Clock, systemClock } from './clock'
export { crc32 } from './codec/crc32'
export { type CodecOptions, type CodecStats, createCodec, type StatefulCodec } from './codec/create-codec'
export {
  ENVELOPE_VERSION,
  type Envelope,
  type EnvelopeHeader,
  encodeEnvelopeHeader,
  joinEnvelope,
  type ReadEnvelope,
  readEnvelope,
  writeEnvelope,
} from './codec/envelope'
export { deepFreeze } from './codec/freeze'
export { jsonSerializer } from './codec/json-serializer'
export { type WebCryptoEncryptorOptions, webCryptoEncryptor } from './codec/web-crypto-encryptor'
export type { Bus, InvalidationMessage } from './contracts/bus'
export type { Codec, Compressor, DecodedEntry, Encryptor, EntryMeta, Serializer } from './contracts/codec'
export type { L1Entry, L1Tier } from './contracts/l1'
export type { Lock, Release } from './contracts/lock'
export type { Store, StoreCapabilities, StoreEntry } from './contracts/store'
export { CACHE_DEFAULTS, CODEC_DEFAULTS } from './defaults'
export { type Duration, parseDuration } from './duration'
export {
  CacheError,
  type CacheErrorCode,
  ConfigurationError,
  CorruptEntryError,
  InfrastructureError,
  ValidationError,
} from './errors'
export { CircuitBreaker, type CircuitBreakerOptions, type CircuitState } from './resilience/circuit-breaker'
export { withTimeout } from './resilience/with-timeout'
