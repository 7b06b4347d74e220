import { ValidationError } from '@cache/core'

/** Bounds shared by the memory tier and store. */
export interface MemoryBounds {
  /** Most entries kept; the least recently used go first. */
  maxItems?: number
  /** Most bytes kept (values' byte size, estimated for L1). */
  maxBytes?: number
  /** Monotonic clock in ms for TTLs, injectable for tests. @default performance.now */
  now?: () => number
}

const BOUNDS: readonly string[] = ['maxItems', 'maxBytes', 'now']

/**
 * Validates the bounds, naming the bad option. An option this factory does not know is refused: a
 * misspelt or foreign one (`max`, `ttl`) would otherwise leave the default bound in place silently.
 */
export function resolveBounds(
  factory: string,
  options: MemoryBounds,
  defaults: { maxItems: number; maxBytes: number },
  limits: { known?: readonly string[]; maxItems?: number; maxItemsWhy?: string } = {},
): { maxItems: number; maxBytes: number; now?: () => number } {
  if (typeof options !== 'object' || options === null) {
    throw new ValidationError(`${factory} expects an options object`, 'INVALID_OPTION')
  }
  const known = limits.known ?? BOUNDS
  for (const name of Object.keys(options)) {
    if (!known.includes(name) && (options as Record<string, unknown>)[name] !== undefined) {
      throw new ValidationError(
        `${factory} has no option "${name}"; expected one of: ${known.join(', ')}`,
        'INVALID_OPTION',
      )
    }
  }
  const check = (name: 'maxItems' | 'maxBytes') => {
    const value = options[name] ?? defaults[name]
    if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) {
      throw new ValidationError(
        `${factory} option ${name} must be a positive integer, got ${String(value)}`,
        'INVALID_OPTION',
      )
    }
    return value
  }
  const maxItemsLimit = limits.maxItems ?? Number.POSITIVE_INFINITY
  if (check('maxItems') > maxItemsLimit) {
    throw new ValidationError(
      `${factory} option maxItems must be at most ${maxItemsLimit}${limits.maxItemsWhy ?? ''}, got ${String(options.maxItems)}`,
      'INVALID_OPTION',
    )
  }
  if (options.now !== undefined && typeof options.now !== 'function') {
    throw new ValidationError(`${factory} option now must be a function`, 'INVALID_OPTION')
  }
  return {
    maxItems: check('maxItems'),
    maxBytes: check('maxBytes'),
    ...(options.now ? { now: options.now } : {}),
  }
}

/** Options of `memoryL1`. */
export interface L1Options extends MemoryBounds {
  /**
   * How a full tier treats a new key: `'lru'` always admits it and evicts the least recently used
   * entry; `'tinylfu'` admits it only when a frequency sketch says it was requested more often
   * lately than that entry, which keeps popular keys resident under skewed (Zipf) traffic.
   */
  admission?: 'lru' | 'tinylfu'
}

const ADMISSIONS: readonly string[] = ['lru', 'tinylfu']

/** Validates `memoryL1` options, naming the bad option. */
export function resolveL1Options(
  options: L1Options,
  defaults: { maxItems: number; maxBytes: number; admission: 'lru' | 'tinylfu' },
): { maxItems: number; maxBytes: number; now?: () => number; admission: 'lru' | 'tinylfu' } {
  const bounds = resolveBounds('memoryL1', options, defaults, { known: [...BOUNDS, 'admission'] })
  const admission = options.admission ?? defaults.admission
  if (!ADMISSIONS.includes(admission)) {
    throw new ValidationError(
      `memoryL1 option admission must be 'lru' or 'tinylfu', got ${String(admission)}`,
      'INVALID_OPTION',
    )
  }
  return { ...bounds, admission }
}
