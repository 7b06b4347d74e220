/*
 * Bytes and CPU time per compressor and level on the W5 workload's ~100 KB chat responses, codec only
 * (no Redis): stored/JSON ratio, compress and decompress CPU ms per entry (best of several passes), and
 * the codec's CPU per operation of W5's loop (80 % reads, 20 % writes).
 * With --prose, on human-written text instead: the READMEs of the installed packages (markdown prose
 * with code, as LLM answers are), cut into 100 KB chat responses, to check that W5's bytes target is as
 * hard on real text as on the generated one (18 responses).
 *
 *   pnpm --filter @cache/bench bench:compression-levels
 *   pnpm --filter @cache/bench bench:compression-levels --prose
 */
import { fflateCompressor } from '@cache/compression-fflate'
import { zlibCompressor } from '@cache/compression-node'
import type { Compressor } from '@cache/core'
import { llmResponse } from '../src/lib/values'
import { proseResponses } from './prose-corpus'

const prose = process.argv.includes('--prose')
const responses = prose
  ? proseResponses(100_000)
  : Array.from({ length: 20 }, (_, i) => llmResponse(100_000, i + 1))
const inputs = responses.map((r) => new TextEncoder().encode(JSON.stringify(r)))
const ENTRIES = inputs.length
const jsonBytes = inputs.reduce((sum, b) => sum + b.length, 0)

// CPU time, not wall time: the machine is shared, and CPU time moves less with its load.
function cpuMs(run: () => void): number {
  const start = process.cpuUsage()
  run()
  const used = process.cpuUsage(start)
  return (used.user + used.system) / 1000
}
const best = (run: () => void, passes: number) =>
  Math.min(...Array.from({ length: passes }, () => cpuMs(run)))

const brotli = zlibCompressor()
const deflate = zlibCompressor({ algorithm: 'deflate' })
const fflate = fflateCompressor()
const rows: [string, Compressor, number][] = [
  ...[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11].map((l): [string, Compressor, number] => ['brotli', brotli, l]),
  ...[1, 2, 3, 4, 6, 9].map((l): [string, Compressor, number] => ['deflate', deflate, l]),
  ...[1, 6].map((l): [string, Compressor, number] => ['fflate', fflate, l]),
]

const perEntryKb = jsonBytes / ENTRIES / 1000
console.log(
  `${ENTRIES} ${prose ? 'README prose' : 'W5'} responses, ${Math.round(jsonBytes / ENTRIES)} B of JSON each, Node ${process.version}\n`,
)
// Each compressor once over every input first: the first rows measured otherwise pay for the process's
// first large buffers (brotli 0-1 decompression read 2-3x slower than in later runs).
for (const compressor of [brotli, deflate, fflate])
  for (const b of inputs) compressor.decompress(compressor.compress(b, 1), 64 * 1024 * 1024)

console.log(
  '| Compressor | Stored / JSON | compress ms | compress MB/s | decompress ms | decompress MB/s | W5 mix ms |',
)
console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: |')
for (const [name, compressor, level] of rows) {
  let packed = inputs.map((b) => compressor.compress(b, level))
  const compress =
    best(
      () => {
        packed = inputs.map((b) => compressor.compress(b, level))
      },
      level >= 10 ? 1 : 3,
    ) / ENTRIES
  const decompress =
    best(() => {
      for (const p of packed) compressor.decompress(p, 64 * 1024 * 1024)
    }, 5) / ENTRIES
  const ratio = packed.reduce((sum, b) => sum + b.length, 0) / jsonBytes
  const mbps = (ms: number) => (perEntryKb / ms).toFixed(ms > 10 ? 1 : 0)
  console.log(
    `| ${name} ${level} | ${ratio.toFixed(3)} | ${compress.toFixed(2)} | ${mbps(compress)} | ${decompress.toFixed(2)} | ${mbps(decompress)} | ${(0.8 * decompress + 0.2 * compress).toFixed(2)} |`,
  )
}
