import { describe, expect, it } from 'vitest'
import { parseDuration, ValidationError } from '../src/index'

describe('parseDuration', () => {
  it.each([
    [250, 250],
    ['500ms', 500],
    ['30s', 30_000],
    ['30m', 1_800_000],
    ['1h', 3_600_000],
    ['1d', 86_400_000],
    ['1.5s', 1_500],
  ])('%s -> %d ms', (input, expected) => {
    expect(parseDuration(input as never)).toBe(expected)
  })

  it.each([-1, Number.NaN, Number.POSITIVE_INFINITY, '', '10', '5 weeks', '1y', 'abc', '-5s', null, {}])(
    'rejects %s with a ValidationError quoting it',
    (input) => {
      expect(() => parseDuration(input as never)).toThrow(ValidationError)
      try {
        parseDuration(input as never)
      } catch (error) {
        expect((error as ValidationError).code).toBe('INVALID_TTL')
        expect((error as Error).message).toContain(input === '' ? '""' : String(input).slice(0, 5))
      }
    },
  )
})
