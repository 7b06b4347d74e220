import { describeInput, ValidationError } from './errors'

/** A duration: a number of milliseconds, or a string such as `500ms`, `30s`, `30m`, `1h`, `1d`. */
export type Duration = number | `${number}${'ms' | 's' | 'm' | 'h' | 'd'}`

const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const
const PATTERN = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)$/

/** Converts a {@link Duration} to milliseconds; throws a `ValidationError` quoting anything else. */
export function parseDuration(input: Duration | string, what = 'duration'): number {
  if (typeof input === 'number') {
    if (!Number.isFinite(input) || input < 0) {
      throw new ValidationError(
        `Invalid ${what} ${describeInput(input)}: expected a non-negative finite number of milliseconds`,
        'INVALID_TTL',
      )
    }
    return input
  }
  if (typeof input === 'string') {
    const match = PATTERN.exec(input.trim())
    if (match) return Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS]
  }
  throw new ValidationError(
    `Invalid ${what} ${describeInput(input)}: expected milliseconds or a string like "500ms", "30s", "30m", "1h", "1d"`,
    'INVALID_TTL',
  )
}
