import { ValidationError } from '@cache/core'

/** `value` when it is a non-empty string; else a `ValidationError` naming the factory and the option. */
export function nonEmptyString(factory: string, option: string, value: unknown): string {
  if (typeof value !== 'string' || value.length === 0) {
    throw new ValidationError(
      `${factory} option ${option} must be a non-empty string, got ${String(value)}`,
      'INVALID_OPTION',
    )
  }
  return value
}

/** `value` when it is a positive integer; `unit` (e.g. `of milliseconds`) completes the error message. */
export function positiveInteger(factory: string, option: string, value: unknown, unit?: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) {
    throw new ValidationError(
      `${factory} option ${option} must be a positive integer${unit ? ` ${unit}` : ''}, got ${String(value)}`,
      'INVALID_OPTION',
    )
  }
  return value
}

/**
 * Longest TTL sent to Redis as `PX` (2^53 - 1 ms, about 285,000 years): an exact integer that Redis
 * accepts after adding the current time. The store keeps longer TTLs without expiry; the lock refuses them.
 */
export const MAX_TTL_MS = Number.MAX_SAFE_INTEGER
