import type { Compressor } from '@cache/core'
import { describe, expect, it } from 'vitest'

const MiB = 1024 * 1024

/** LLM-like prose: repetitive enough to compress, varied enough not to be trivial. */
export function proseBytes(length: number): Uint8Array {
  const words = [
    'the',
    'cache',
    'model',
    'answer',
    'token',
    'Paris',
    'weather',
    'is',
    'a',
    'of',
    'über',
    '🌍',
  ]
  let text = ''
  let seed = 7
  while (text.length < length) {
    seed = (seed * 1_103_515_245 + 12_345) & 0x7fffffff
    text += `${words[seed % words.length]}${seed % 17 === 0 ? '.\n' : ' '}`
  }
  return new TextEncoder().encode(text).subarray(0, length)
}

/** Bytes that do not compress (a fixed xorshift stream, so failures reproduce). */
export function noiseBytes(length: number): Uint8Array {
  const out = new Uint8Array(length)
  let x = 0x9e3779b9
  for (let i = 0; i < length; i++) {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    out[i] = x & 0xff
  }
  return out
}

/** True when both hold the same bytes (far faster than a deep equality on large arrays). */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

/**
 * Registers the vitest suite every `Compressor` must pass: round trips at every level, empty and
 * incompressible input, level-independent reading, and a decompression bound that stops bombs.
 */
export function compressorConformance(name: string, makeCompressor: () => Compressor): void {
  describe(`compressor conformance: ${name}`, () => {
    const sample = makeCompressor()
    const levels: (number | undefined)[] = [undefined]
    if (sample.levels) {
      const { min, max } = sample.levels
      levels.push(...new Set([min, Math.round((min + max) / 2), max]))
    }
    const inputs: [string, () => Uint8Array][] = [
      ['empty input', () => new Uint8Array()],
      ['one byte', () => new Uint8Array([42])],
      ['100 KB of prose', () => proseBytes(100_000)],
      ['64 KB of noise', () => noiseBytes(65_536)],
      ['1 MiB of zeros', () => new Uint8Array(MiB)],
    ]

    it('has a non-empty id that does not depend on the level', () => {
      expect(sample.id.length).toBeGreaterThan(0)
      expect(makeCompressor().id).toBe(sample.id)
    })

    for (const level of levels) {
      for (const [label, make] of inputs) {
        it(`round-trips ${label} at level ${level ?? 'default'}, read by a fresh instance`, () => {
          const input = make()
          const packed = sample.compress(input, level)
          expect(packed).toBeInstanceOf(Uint8Array)
          expect(sameBytes(makeCompressor().decompress(packed, Math.max(input.length, 1)), input)).toBe(true)
          expect(sameBytes(input, make())).toBe(true)
        })
      }
    }

    it('shrinks repetitive text', () => {
      const input = proseBytes(100_000)
      expect(sample.compress(input).length).toBeLessThan(input.length / 2)
    })

    it('accepts output of exactly maxBytes and refuses one byte less', () => {
      const packed = sample.compress(proseBytes(200_000))
      expect(sample.decompress(packed, 200_000).length).toBe(200_000)
      expect(() => sample.decompress(packed, 199_999)).toThrow()
      expect(sample.decompress(sample.compress(new Uint8Array()), 0).length).toBe(0)
    })

    it('refuses a decompression bomb (32 MiB of zeros) under a 1 MiB bound', () => {
      const bomb = sample.compress(new Uint8Array(32 * MiB), sample.levels?.max)
      expect(bomb.length).toBeLessThan(MiB / 8)
      expect(() => sample.decompress(bomb, MiB)).toThrow()
    })

    it('refuses a truncated stream', () => {
      const packed = sample.compress(proseBytes(100_000))
      expect(() => sample.decompress(packed.subarray(0, packed.length >> 1), 10 * MiB)).toThrow()
    })
  })
}
