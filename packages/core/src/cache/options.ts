import { isWellFormed, utf8Length } from '../bytes'
import type { Clock } from '../clock'
import { NO_TAGS } from '../codec/envelope'
import type { Bus } from '../contracts/bus'
import type { Codec } from '../contracts/codec'
import type { L1Tier } from '../contracts/l1'
import type { Lock } from '../contracts/lock'
import type { Store } from '../contracts/store'
import { CACHE_DEFAULTS } from '../defaults'
import { type Duration, parseDuration } from '../duration'
import { describeInput, ValidationError } from '../errors'

/** Options for `createCache`. At least one of `store` and `l1` is required. */
export interface CacheOptions {
  /** The shared L2 tier (bytes). */
  store?: Store
  /** The in-memory L1 tier in front of it. */
  l1?: L1Tier
  /** Serialization, compression and envelope. @default createCodec() (JSON) */
  codec?: Codec
  /** Carries invalidations to other instances. */
  bus?: Bus
  /** Makes `getOrSet` single-flight across processes. */
  lock?: Lock
  /**
   * Prefix of every L2 key (`namespace:key`); `clear()` only touches this namespace. Must not contain
   * `:`, so no two namespaces share a key. @default 'cache'
   */
  namespace?: string
  /** TTL when a call gives none. @default '5m' */
  defaultTtl?: Duration
  /** How long past expiry a value may still be served when the loader or L2 fails. @default 0 */
  grace?: Duration
  /** Longest key in UTF-8 bytes. @default 1024 */
  maxKeyBytes?: number
  /** Largest serialized value in bytes. @default 4 MiB */
  maxEntryBytes?: number
  /** Timeout of each L2 command. @default '300ms' */
  commandTimeout?: Duration
  /** How long `createCache` waits for L2 at start. @default '1s' */
  connectTimeout?: Duration
  /** Reject `createCache` when L2 is unreachable at start instead of serving degraded. @default false */
  failOnConnectionError?: boolean
  /** Circuit breaker around L2. @default { failureThreshold: 5, recovery: '30s' } */
  circuitBreaker?: { failureThreshold?: number; recovery?: Duration }
  /** Writes kept for replay to L2 after an outage (newest wins); beyond this they are dropped and counted. @default 10000 */
  maxPendingWrites?: number
  /** How long a cross-process lock is held at most. @default '5s' */
  lockTtl?: Duration
  /** How long to wait for another process's loader before loading anyway. @default '10s' */
  lockWait?: Duration
  /** Clock in epoch ms, injectable for tests. @default Date.now */
  now?: Clock
}

/** Per-call options of `set`, `getOrSet` and `wrap`; merged over the instance options. */
export interface SetOptions {
  /** Time to live; `Infinity` for no expiry. */
  ttl?: Duration
  /** Fail-safe window past expiry. */
  grace?: Duration
  /** Tags for `deleteByTag`. */
  tags?: readonly string[]
}

/** Validated, unit-normalised instance settings. */
export interface ResolvedOptions {
  namespace: string
  defaultTtlMs: number
  graceMs: number
  maxKeyBytes: number
  maxEntryBytes: number
  commandTimeoutMs: number
  connectTimeoutMs: number
  failOnConnectionError: boolean
  breakerFailureThreshold: number
  breakerRecoveryMs: number
  maxPendingWrites: number
  lockTtlMs: number
  lockWaitMs: number
}

function invalid(option: string, value: unknown, expected: string): never {
  throw new ValidationError(
    `createCache option ${option} is invalid (${describeInput(value)}): expected ${expected}`,
    'INVALID_OPTION',
  )
}

function positiveInt(option: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) {
    invalid(option, value, 'a positive integer')
  }
  return value
}

function duration(option: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback
  try {
    return parseDuration(value as Duration, `option ${option}`)
  } catch {
    return invalid(option, value, 'milliseconds or a duration string such as "30s", "5m", "1h"')
  }
}

function hasMethods(value: unknown, methods: string[]): boolean {
  return (
    typeof value === 'object' &&
    value !== null &&
    methods.every((m) => typeof (value as Record<string, unknown>)[m] === 'function')
  )
}

/** Checks every option's type and range; throws a `ValidationError` naming the bad option. */
export function resolveOptions(options: CacheOptions): ResolvedOptions {
  if (typeof options !== 'object' || options === null) invalid('object', options, 'an options object')
  const { store, l1, codec, bus, lock } = options
  if (store === undefined && l1 === undefined) invalid('store/l1', undefined, 'a store, an l1 tier, or both')
  if (
    store !== undefined &&
    !hasMethods(store, ['get', 'getMany', 'set', 'setMany', 'delete', 'clear', 'ping'])
  ) {
    invalid('store', store, 'a Store')
  }
  if (l1 !== undefined && !hasMethods(l1, ['get', 'set', 'delete', 'clear'])) invalid('l1', l1, 'an L1 tier')
  if (codec !== undefined && !hasMethods(codec, ['seal', 'open'])) invalid('codec', codec, 'a Codec')
  if (bus !== undefined && !hasMethods(bus, ['publish', 'subscribe'])) invalid('bus', bus, 'a Bus')
  if (lock !== undefined && !hasMethods(lock, ['acquire'])) invalid('lock', lock, 'a Lock')
  if (options.now !== undefined && typeof options.now !== 'function')
    invalid('now', options.now, 'a function')
  const namespace = options.namespace ?? CACHE_DEFAULTS.namespace
  // Without ':' no namespace's prefix (`ns:`) starts another's: `app` and `app:v2` would share L2 keys
  // (`app` key `v2:k` is `app:v2` key `k`), and `app`'s clear() would empty `app:v2`.
  if (
    typeof namespace !== 'string' ||
    namespace.length === 0 ||
    namespace.includes(':') ||
    !isWellFormed(namespace)
  )
    invalid('namespace', namespace, 'a non-empty, well-formed string without ":"')
  if (options.failOnConnectionError !== undefined && typeof options.failOnConnectionError !== 'boolean') {
    invalid('failOnConnectionError', options.failOnConnectionError, 'a boolean')
  }
  const breaker = options.circuitBreaker ?? {}
  if (typeof breaker !== 'object' || breaker === null) invalid('circuitBreaker', breaker, 'an object')
  const defaultTtlMs = duration('defaultTtl', options.defaultTtl, CACHE_DEFAULTS.defaultTtlMs)
  if (defaultTtlMs === 0) invalid('defaultTtl', options.defaultTtl, 'a duration above zero')
  return {
    namespace,
    defaultTtlMs,
    graceMs: duration('grace', options.grace, CACHE_DEFAULTS.graceMs),
    maxKeyBytes: positiveInt('maxKeyBytes', options.maxKeyBytes, CACHE_DEFAULTS.maxKeyBytes),
    maxEntryBytes: positiveInt('maxEntryBytes', options.maxEntryBytes, CACHE_DEFAULTS.maxEntryBytes),
    commandTimeoutMs: duration('commandTimeout', options.commandTimeout, CACHE_DEFAULTS.commandTimeoutMs),
    connectTimeoutMs: duration('connectTimeout', options.connectTimeout, CACHE_DEFAULTS.connectTimeoutMs),
    failOnConnectionError: options.failOnConnectionError ?? false,
    breakerFailureThreshold: positiveInt(
      'circuitBreaker.failureThreshold',
      breaker.failureThreshold,
      CACHE_DEFAULTS.breakerFailureThreshold,
    ),
    breakerRecoveryMs: duration(
      'circuitBreaker.recovery',
      breaker.recovery,
      CACHE_DEFAULTS.breakerRecoveryMs,
    ),
    maxPendingWrites:
      options.maxPendingWrites === 0
        ? 0
        : positiveInt('maxPendingWrites', options.maxPendingWrites, CACHE_DEFAULTS.maxPendingWrites),
    lockTtlMs: duration('lockTtl', options.lockTtl, CACHE_DEFAULTS.lockTtlMs),
    lockWaitMs: duration('lockWait', options.lockWait, CACHE_DEFAULTS.lockWaitMs),
  }
}

/**
 * Throws a `ValidationError` unless `key` is a non-empty, well-formed string within `maxBytes` UTF-8 bytes.
 * A lone surrogate would reach L2 as U+FFFD, so two different keys would share one entry there.
 */
export function checkKey(key: unknown, maxBytes: number): asserts key is string {
  if (typeof key !== 'string' || key.length === 0) {
    throw new ValidationError(
      `Invalid cache key ${describeInput(key)}: expected a non-empty string`,
      'INVALID_KEY',
    )
  }
  if (!isWellFormed(key)) {
    throw new ValidationError(
      `Invalid cache key ${describeInput(key)}: it holds a lone surrogate (not valid UTF-16)`,
      'INVALID_KEY',
    )
  }
  // Most keys are short enough that the exact UTF-8 length need not be computed.
  if (key.length * 3 > maxBytes && utf8Length(key) > maxBytes) {
    throw new ValidationError(
      `Invalid cache key ${describeInput(key)}: longer than ${maxBytes} bytes (maxKeyBytes)`,
      'INVALID_KEY',
    )
  }
}

/** Resolves a per-call TTL in ms (`Infinity` allowed) over the instance default. */
export function resolveTtl(ttl: unknown, fallbackMs: number): number {
  if (ttl === undefined) return fallbackMs
  if (ttl === Number.POSITIVE_INFINITY) return ttl
  if (typeof ttl !== 'number' && typeof ttl !== 'string') {
    throw new ValidationError(`Invalid ttl ${describeInput(ttl)}: expected a duration`, 'INVALID_TTL')
  }
  const ms = parseDuration(ttl as Duration, 'ttl')
  if (ms === 0) throw new ValidationError('Invalid ttl 0: expected a duration above zero', 'INVALID_TTL')
  return ms
}

/** Checks a per-call tags array: non-empty, well-formed strings (a lone surrogate would be stored as U+FFFD). */
export function checkTags(tags: unknown): readonly string[] {
  if (tags === undefined) return NO_TAGS
  if (!Array.isArray(tags) || tags.some((t) => typeof t !== 'string' || t.length === 0 || !isWellFormed(t))) {
    throw new ValidationError(
      `Invalid tags ${describeInput(tags)}: expected an array of non-empty, well-formed strings`,
      'VALIDATION',
    )
  }
  return tags
}

/**
 * `tags` checked, as an entry keeps them: the shared {@link NO_TAGS} when there are none (no array per
 * untagged write), else frozen, copied unless frozen already, so a caller changing its array after `set`
 * cannot change what was written.
 */
export function entryTags(tags: unknown): readonly string[] {
  const checked = checkTags(tags)
  if (checked.length === 0) return NO_TAGS
  return Object.isFrozen(checked) ? checked : Object.freeze(checked.slice())
}
