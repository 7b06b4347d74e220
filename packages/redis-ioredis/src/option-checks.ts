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
