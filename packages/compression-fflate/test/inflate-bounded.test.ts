import { constants, deflateRawSync } from 'node:zlib'
import { proseBytes, sameBytes } from '@cache/conformance'
import { Deflate, deflateSync, inflateSync } from 'fflate'
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

// Inputs of at most 1/1032 of the bound are inflated in one call into a reused 1 MiB buffer, and stream
// when their output does not fit.
describe('inflateBounded on inputs that cannot pass the bound', () => {
  const record = new TextEncoder().encode('{"id":7,"ok":true,"tag":"x"},')
  const repeated = (copies: number) => {
    const out = new Uint8Array(record.length * copies)
    for (let i = 0; i < copies; i++) out.set(record, i * record.length)
    return out
  }
  const cases: [string, Uint8Array][] = [
    ['random bytes (stored blocks)', crypto.getRandomValues(new Uint8Array(50_000))],
    ['100 KB of prose (~4x)', proseBytes(100_000)],
    ['1 KB of prose', proseBytes(1_000)],
    ['a record repeated 1,000 times (~200x, past the first guess)', repeated(1_000)],
    ['3 MiB of zeros (~1000x, streamed)', new Uint8Array(3 * MiB)],
  ]

  test.each(cases)('%s read back exactly, in a buffer of their own', (_, input) => {
    const packed = deflateSync(input, { level: 6 })
    expect(packed.length * 1032).toBeLessThanOrEqual(64 * MiB)
    const out = inflateBounded(packed, 64 * MiB)
    expect(sameBytes(out, input)).toBe(true)
    expect(out.buffer.byteLength).toBe(out.byteLength)
  })

  test('an output past the reused 1 MiB buffer streams instead, whole', () => {
    const input = repeated(60_000) // 1.74 MB from a few KB of deflate
    const sizes: number[] = []
    const out = inflateBounded(deflateSync(input), 64 * MiB, (bytes) => sizes.push(bytes))
    expect(sizes[0]).toBe(MiB) // the reused buffer, filled
    expect(sameBytes(out, input)).toBe(true)
  })

  test('a stored block past the reused buffer streams instead', () => {
    // 1.2 MB of zeros in non-final compressed blocks, then a final stored block of 100 bytes.
    const zeros = deflateRawSync(new Uint8Array(1_200_000), { finishFlush: constants.Z_SYNC_FLUSH })
    const tail = crypto.getRandomValues(new Uint8Array(100))
    const packed = new Uint8Array([...zeros, 0x01, 100, 0, 0xff - 100, 0xff, ...tail])
    // fflate throws, instead of cutting, when a stored block does not fit the buffer it was given.
    expect(() => inflateSync(packed, { out: new Uint8Array(MiB) })).toThrow(RangeError)
    const out = inflateBounded(packed, 64 * MiB)
    expect(out.length).toBe(1_200_100)
    expect(out.subarray(0, 1_200_000).every((byte) => byte === 0)).toBe(true)
    expect(sameBytes(out.subarray(1_200_000), tail)).toBe(true)
  })

  test('results never share the reused buffer, and a reference before the output start is refused', () => {
    const first = proseBytes(100_000)
    const firstOut = inflateBounded(deflateSync(first), 64 * MiB)
    const second = inflateBounded(deflateSync(proseBytes(5_000).reverse()), 64 * MiB)
    expect(sameBytes(firstOut, first)).toBe(true)
    expect(second.length).toBe(5_000)
    // Back-references into a preset dictionary point before the output without it: they must fail.
    const dictionary = first.subarray(0, 32_768)
    const withDictionary = deflateRawSync(first.subarray(0, 40_000), { dictionary })
    expect(() => inflateBounded(withDictionary, 64 * MiB)).toThrow()
  })

  test('the one-call path and the streaming path agree on 1,000 corrupted streams', () => {
    let seed = 12_345
    const random = () => (seed = (seed * 1_103_515_245 + 12_345) >>> 0) / 2 ** 32
    const inputs = [proseBytes(3_000), proseBytes(40_000), new Uint8Array(5_000), repeated(500)]
    const outcome = (packed: Uint8Array, bound: number) => {
      try {
        return Buffer.from(inflateBounded(packed, bound)).toString('base64')
      } catch {
        return 'threw'
      }
    }
    for (let i = 0; i < 1_000; i++) {
      const packed = deflateSync(inputs[i % inputs.length]!, { level: ((i % 9) + 1) as 1 })
      for (let flips = 1 + Math.floor(random() * 4); flips > 0; flips--) {
        packed[Math.floor(random() * packed.length)]! ^= 1 << Math.floor(random() * 8)
      }
      // Just under 1032x the input, the same stream streams: outputs up to that bound must match.
      expect(outcome(packed, packed.length * 1032 - 1)).toBe(outcome(packed, 64 * MiB))
    }
  })

  test('empty input and every truncation throw, never returning bytes', () => {
    expect(() => inflateBounded(new Uint8Array(), 64 * MiB)).toThrow('Truncated deflate stream')
    // Whole blocks but none marked final: the stream stops early, even though it ends on a block boundary.
    const unfinished = deflateRawSync(proseBytes(3_000), { finishFlush: constants.Z_SYNC_FLUSH })
    expect(() => inflateBounded(unfinished, 64 * MiB)).toThrow()
    expect(() => inflateBounded(unfinished, 3_000)).toThrow(/Truncated|EOF/) // streams: the input is over 1/1032 of the bound
    const packed = deflateSync(proseBytes(3_000))
    for (let cut = 0; cut < packed.length; cut++) {
      expect(() => inflateBounded(packed.subarray(0, cut), 64 * MiB)).toThrow()
    }
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
