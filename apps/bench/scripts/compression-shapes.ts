/*
 * CPU µs to decompress, then to compress, one entry, per payload shape (from one 1 KB object to 100 KB of
 * LLM-like text and extremely repetitive data), for fflateCompressor (pure JS) and zlibCompressor's deflate
 * and brotli, each at its default level, decompressing under the codec's default 64 MiB bound. Median of 5
 * passes, CPU time.
 *
 *   pnpm --filter @cache/bench compression:shapes
 */
import { fflateCompressor } from '@cache/compression-fflate'
import { zlibCompressor } from '@cache/compression-node'
import type { Compressor } from '@cache/core'
import { median } from '../src/lib/stats'
import { kbObject, llmResponse } from '../src/lib/values'

const BOUND = 64 * 1024 * 1024
const encode = (value: unknown) => new TextEncoder().encode(JSON.stringify(value))
const objects = (count: number, seed: number) =>
  encode(Array.from({ length: count }, (_, j) => kbObject(seed * count + j)))

const shapes: [string, (seed: number) => Uint8Array][] = [
  ['one 1 KB object', (i) => objects(1, i)],
  ['2 objects', (i) => objects(2, i)],
  ['8 objects', (i) => objects(8, i)],
  ['100 objects', (i) => objects(100, i)],
  [
    'a 29 B record x1000',
    (i) => encode(Array.from({ length: 1_000 }, () => ({ id: i % 10, ok: true, tag: 'x' }))),
  ],
  ['100 KB LLM response (W5)', (i) => encode(llmResponse(100_000, i + 1))],
  ['50 KB random bytes', () => crypto.getRandomValues(new Uint8Array(50_000))],
]
const compressors: [string, Compressor][] = [
  ['fflate', fflateCompressor()],
  ['zlib deflate', zlibCompressor({ algorithm: 'deflate' })],
  ['zlib brotli', zlibCompressor()],
]

function cpuMicros(run: () => void, times: number): number {
  for (let i = 0; i < Math.min(times, 50); i++) run()
  const start = process.cpuUsage()
  for (let i = 0; i < times; i++) run()
  const used = process.cpuUsage(start)
  return (used.user + used.system) / times
}

// Compressed once, and checked to read back whole before anything is timed.
const packedBy = compressors.map(([, compressor]) =>
  shapes.map(([label, make]) => {
    const inputs = Array.from({ length: 20 }, (_, i) => make(i))
    const packed = inputs.map((input) => compressor.compress(input))
    packed.forEach((bytes, i) => {
      if (compressor.decompress(bytes, BOUND).length !== inputs[i]!.length)
        throw new Error(`${label}: wrong length read back`)
    })
    return { inputs, packed }
  }),
)

function table(
  title: string,
  measure: (compressor: Compressor, inputs: Uint8Array[], packed: Uint8Array[]) => number,
) {
  console.log(`${title}, median of 5 passes, Node ${process.version}\n`)
  console.log(`| Payload | JSON B | deflate ratio | ${compressors.map(([name]) => name).join(' | ')} |`)
  console.log(`| --- | ---: | ---: | ${compressors.map(() => '---:').join(' | ')} |`)
  shapes.forEach(([label], s) => {
    const { inputs, packed } = packedBy[0]![s]!
    const ratio = inputs[0]!.length / packed[0]!.length
    const cells = compressors.map(([, compressor], c) => {
      const entry = packedBy[c]![s]!
      return median(Array.from({ length: 5 }, () => measure(compressor, entry.inputs, entry.packed))).toFixed(
        1,
      )
    })
    console.log(`| ${label} | ${inputs[0]!.length} | ${ratio.toFixed(1)}x | ${cells.join(' | ')} |`)
  })
  console.log()
}

const timesFor = (bytes: number) => Math.max(20, Math.round(2_000_000 / bytes))

table('Decompression CPU µs per entry', (compressor, inputs, packed) => {
  let next = 0
  return cpuMicros(
    () => compressor.decompress(packed[next++ % packed.length]!, BOUND),
    timesFor(inputs[0]!.length),
  )
})
table('Compression CPU µs per entry', (compressor, inputs) => {
  let next = 0
  return cpuMicros(
    () => compressor.compress(inputs[next++ % inputs.length]!),
    timesFor(inputs[0]!.length * 4),
  )
})
