import { describe, expect, it } from 'vitest'
import { CacheKeyGenerator, decodeBase64, type KeyGeneratorOptions } from '../src/index'
import fixture from './fixtures/ai-keys.json'

// `{ "$bytes": "<base64>" }` in the fixture stands for a Uint8Array, which JSON cannot hold.
function revive(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(revive)
  if (value && typeof value === 'object') {
    const bytes = (value as { $bytes?: unknown }).$bytes
    if (typeof bytes === 'string') return decodeBase64(bytes)
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, revive(v)]))
  }
  return value
}

// A failure here means the key scheme changed: every cached AI answer would miss. If that is the
// intent, bump the key version and regenerate the fixture in the same commit.
describe('AI cache keys: golden fixture', () => {
  it('has cases for both request shapes', () => {
    expect(fixture.length).toBeGreaterThanOrEqual(15)
  })

  it.each(fixture.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const generator = new CacheKeyGenerator(c.options as KeyGeneratorOptions | undefined)
    expect(generator.key(revive(c.request) as never)).toBe(c.key)
  })

  it('gives every case its own key', () => {
    expect(new Set(fixture.map((c) => c.key)).size).toBe(fixture.length)
  })
})
