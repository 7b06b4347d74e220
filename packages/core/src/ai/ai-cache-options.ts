import type { TieredCache } from '../cache/tiered-cache'
import { type Duration, parseDuration } from '../duration'
import { describeInput, ValidationError } from '../errors'
import { AI_CACHE_DEFAULTS } from './defaults'
import type { OptionSchemas } from './option-schema'
import type { AiRequest } from './request-shapes'
import type { PriceTable } from './usage'

/** Decides whether an answer may be cached; for a stream (`kind: 'stream'`) `response` is the chunk array. */
export type CacheablePolicy = (
  request: AiRequest,
  response: unknown,
  /** Always given by the cache; optional so a policy can call `defaultCacheable` with two arguments. */
  kind?: 'response' | 'stream',
) => boolean

/** Options of `createAiCache`. */
export interface AiCacheOptions {
  /** The tiered cache holding the answers (its namespace scopes `invalidateAll`). */
  cache: TieredCache
  /** TTL per operation, merged over the defaults (summarize 2h, sentiment 4h, qa 30m, translate 24h, embed 7d). */
  operationTtls?: Readonly<Record<string, Duration>>
  /** TTL of operations without their own. @default '1h' */
  defaultTtl?: Duration
  /** Strings longer than this many characters are hashed in keys. @default 100 */
  textHashThreshold?: number
  /** Version segment of every key; bump it to retire all older entries. @default 'v1' */
  keyVersion?: string
  /** Per-operation option schemas (see `normalizeOptions`). */
  optionSchemas?: OptionSchemas
  /** Policy hook: return false to return an answer without caching it. @default defaultCacheable */
  cacheable?: CacheablePolicy
  /** USD per million tokens by model, for `costSavedUsd`. */
  prices?: PriceTable
}

/** Validated options with TTLs in milliseconds. */
export interface ResolvedAiCacheOptions {
  cache: TieredCache
  operationTtlMs: Map<string, number>
  defaultTtlMs: number
  cacheable: CacheablePolicy
  prices: PriceTable | undefined
}

/**
 * Caches any answer except `null`/`undefined`, objects carrying an `error` field, and a stream that
 * ended without a single chunk (a dropped connection or a proxy timeout can close a body cleanly;
 * replaying that as the answer for a whole TTL would be worse than asking again).
 */
export const defaultCacheable: CacheablePolicy = (_request, response, kind) =>
  response !== null &&
  response !== undefined &&
  // Without `kind`, an empty array is taken for an empty stream: refusing to cache is the safe mistake.
  !(kind !== 'response' && Array.isArray(response) && response.length === 0) &&
  !(typeof response === 'object' && 'error' in response && (response as { error: unknown }).error)

function ttl(option: string, value: unknown): number {
  if (typeof value !== 'number' && typeof value !== 'string') {
    throw new ValidationError(
      `createAiCache option ${option} is invalid (${describeInput(value)}): expected a duration`,
      'INVALID_OPTION',
    )
  }
  const ms = parseDuration(value as Duration, `createAiCache option ${option}`)
  if (ms === 0) {
    throw new ValidationError(`createAiCache option ${option} must be above zero`, 'INVALID_OPTION')
  }
  return ms
}

/** Checks `createAiCache` options; throws a `ValidationError` naming the bad one. */
export function resolveAiCacheOptions(options: AiCacheOptions): ResolvedAiCacheOptions {
  const cache = options?.cache as Partial<TieredCache> | undefined
  const methods = ['get', 'set', 'getMany', 'setMany', 'deleteMany', 'keys'] as const
  if (!cache || methods.some((m) => typeof cache[m] !== 'function')) {
    throw new ValidationError(
      'createAiCache option cache is invalid: expected a TieredCache',
      'INVALID_OPTION',
    )
  }
  if (options.cacheable !== undefined && typeof options.cacheable !== 'function') {
    throw new ValidationError('createAiCache option cacheable must be a function', 'INVALID_OPTION')
  }
  const operationTtlMs = new Map<string, number>()
  const ttls = { ...AI_CACHE_DEFAULTS.operationTtls, ...options.operationTtls }
  for (const [operation, value] of Object.entries(ttls)) {
    operationTtlMs.set(operation, ttl(`operationTtls.${operation}`, value))
  }
  for (const [model, price] of Object.entries(options.prices ?? {})) {
    const valid = [price?.inputUsdPerMillionTokens, price?.outputUsdPerMillionTokens].every(
      (n) => typeof n === 'number' && Number.isFinite(n) && n >= 0,
    )
    if (!valid) {
      throw new ValidationError(
        `createAiCache option prices.${model} is invalid: expected { inputUsdPerMillionTokens, outputUsdPerMillionTokens }`,
        'INVALID_OPTION',
      )
    }
  }
  return {
    cache: options.cache,
    operationTtlMs,
    defaultTtlMs: ttl('defaultTtl', options.defaultTtl ?? AI_CACHE_DEFAULTS.defaultTtl),
    cacheable: options.cacheable ?? defaultCacheable,
    prices: options.prices,
  }
}
