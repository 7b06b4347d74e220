/*
 * CPU µs to decompress one entry, per payload shape (from one 1 KB object to 100 KB of LLM-like text and
 * extremely repetitive data), for fflateCompressor (pure JS) and zlibCompressor's deflate and brotli, both at
 * their default level and under the codec's default 64 MiB bound. Median of 5 passes, CPU time.
 *
 *   pnpm --filter @cache/bench decompress:shapes
 */
import { fflateCompressor } from '@cache/compression-fflate'
import { zlibCompressor } from '@cache/compression-node'
import type { Compressor } from '@cache/core'
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
const median = (values: number[]) => values.sort((a, b) => a - b)[values.length >> 1]!

console.log(`Decompression CPU µs per entry, median of 5 passes, Node ${process.version}\n`)
console.log(`| Payload | JSON B | deflate ratio | ${compressors.map(([name]) => name).join(' | ')} |`)
console.log(`| --- | ---: | ---: | ${compressors.map(() => '---:').join(' | ')} |`)
for (const [label, make] of shapes) {
  const inputs = Array.from({ length: 20 }, (_, i) => make(i))
  const times = Math.max(20, Math.round(2_000_000 / inputs[0]!.length))
  const cells: string[] = []
  let ratio = 0
  for (const [, compressor] of compressors) {
    const packed = inputs.map((input) => compressor.compress(input))
    packed.forEach((bytes, i) => {
      const out = compressor.decompress(bytes, BOUND)
      if (out.length !== inputs[i]!.length) throw new Error(`${label}: wrong length read back`)
    })
    if (compressor === compressors[0]![1]) ratio = inputs[0]!.length / packed[0]!.length
    let next = 0
    const passes = Array.from({ length: 5 }, () =>
      cpuMicros(() => compressor.decompress(packed[next++ % packed.length]!, BOUND), times),
    )
    cells.push(median(passes).toFixed(1))
  }
  console.log(`| ${label} | ${inputs[0]!.length} | ${ratio.toFixed(1)}x | ${cells.join(' | ')} |`)
}
