/*
 * Offline L1 hit ratio of `memoryL1` admission policies on W3's trace: zipf(1.0) over 100k keys,
 * a 1,000-entry L1, read-through (a miss is followed by a set). Deterministic: same seeds as W3.
 *
 *   pnpm --filter @cache/bench sim:admission
 *   SIM_REQUESTS=2000000 pnpm --filter @cache/bench sim:admission
 */
import type { L1Entry } from '@cache/core'
import { memoryL1 } from '@cache/memory'
import { zipfSamples, zipfStaticBound } from '../src/lib/random'

const KEYS = 100_000
const L1_ITEMS = 1_000
const REQUESTS = Number(process.env.SIM_REQUESTS ?? 1 << 20)
const WARMUP = REQUESTS >>> 2

const entry = (id: number): L1Entry => ({
  value: { id },
  size: 1_024,
  createdAt: 0,
  expiresAt: Number.POSITIVE_INFINITY,
  staleUntil: Number.POSITIVE_INFINITY,
  tags: [],
})

/** Hits / requests after the warm-up quarter, for one seed and policy. */
function hitRatio(admission: 'lru' | 'tinylfu', seed: number): number {
  const l1 = memoryL1({ maxItems: L1_ITEMS, admission })
  const trace = zipfSamples(KEYS, 1.0, REQUESTS, seed)
  let hits = 0
  for (let i = 0; i < trace.length; i++) {
    const key = `cache:doc:${trace[i]}`
    if (l1.get(key) !== undefined) {
      if (i >= WARMUP) hits++
    } else l1.set(key, entry(trace[i]!), 600_000)
  }
  return hits / (REQUESTS - WARMUP)
}

const rows: string[] = []
for (const seed of [3, 4, 5]) {
  rows.push(`| ${seed} | ${hitRatio('lru', seed).toFixed(3)} | ${hitRatio('tinylfu', seed).toFixed(3)} |`)
}
console.log(`W3 trace, ${REQUESTS} requests (first quarter warm-up), L1 ${L1_ITEMS} of ${KEYS} keys`)
console.log(`static top-${L1_ITEMS} bound: ${zipfStaticBound(KEYS, 1.0, L1_ITEMS).toFixed(3)}\n`)
console.log('| seed | lru | tinylfu |\n| ---- | --- | ------- |')
console.log(rows.join('\n'))
