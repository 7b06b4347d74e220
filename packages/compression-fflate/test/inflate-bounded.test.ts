import { sameBytes } from '@cache/conformance'
import { Deflate } from 'fflate'
import { describe, expect, test } from 'vitest'
import { DecompressionLimitError, fflateCompressor } from '../src/index'
import { inflateBounded, inputStepBytes } from '../src/inflate-bounded'

const MiB = 1024 * 1024

// A bomb built by streaming, so the test never holds its inflated size.
function bomb(inflatedMiB: number): Uint8Array {
  const parts: Uint8Array[] = []
  const deflate = new Deflate({ level: 1 }, (chunk) => parts.push(chunk))
  const zeros = new Uint8Array(MiB)
  for (let i = 0; i < inflatedMiB; i++) deflate.push(zeros, i === inflatedMiB - 1)
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let at = 0
  for (const part of parts) {
    out.set(part, at)
    at += part.length
  }
  return out
}

describe('inflateBounded', () => {
  test('stops a 64 MiB bomb after producing little more than the bound', () => {
    const packed = bomb(64)
    expect(packed.length).toBeLessThan(MiB)
    let largest = 0
    expect(() =>
      inflateBounded(packed, MiB, (bytes) => {
        largest = bytes
      }),
    ).toThrow(DecompressionLimitError)
    // Deflate expands at most ~1032x per input byte, plus fflate's 32 KiB window.
    expect(largest).toBeGreaterThan(MiB)
    expect(largest).toBeLessThanOrEqual(MiB + 1032 * inputStepBytes(MiB) + 32 * 1024)
  })

  test('the default 64 MiB bound refuses the bomb through the compressor', () => {
    expect(() => fflateCompressor().decompress(bomb(65), 64 * MiB)).toThrow(DecompressionLimitError)
  })

  test('inflates in many steps when the input spans several slices', () => {
    const input = new TextEncoder().encode(Array.from({ length: 40_000 }, (_, i) => `${i * 7919}`).join(','))
    const packed = fflateCompressor({ level: 1 }).compress(input)
    let steps = 0
    const out = inflateBounded(packed, input.length, () => steps++)
    expect(sameBytes(out, input)).toBe(true)
    expect(steps).toBeGreaterThan(1)
  })

  test('refuses garbage input', () => {
    expect(() => inflateBounded(new Uint8Array([0xff, 0xff, 0xff, 0xff]), MiB)).toThrow()
  })
})

describe('fflateCompressor options', () => {
  test.each([-1, 10, 2.5, '6'])('rejects level %o naming the option', (level) => {
    expect(() => fflateCompressor({ level: level as number })).toThrow(/option level/)
  })

  test('a level passed per call overrides the default, and output stays readable', () => {
    const compressor = fflateCompressor({ level: 1 })
    const input = new TextEncoder().encode('abc '.repeat(10_000))
    const hard = compressor.compress(input, 9)
    expect(sameBytes(compressor.decompress(hard, input.length), input)).toBe(true)
    expect(compressor.compress(input, 0).length).toBeGreaterThan(input.length)
  })
})
