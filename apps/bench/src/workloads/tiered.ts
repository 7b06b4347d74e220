import { concurrentLoop } from '../lib/loops'
import { zipfSamples, zipfStaticBound } from '../lib/random'
import { kbObject } from '../lib/values'
import type { Workload } from './types'

const KEYS = 100_000
const L1_ITEMS = 1_000
const ZIPF_S = 1.0

/** Hit ratio a cache holding exactly the 1,000 most popular keys would reach (the static bound). */
export const W3_STATIC_BOUND = zipfStaticBound(KEYS, ZIPF_S, L1_ITEMS)

/** W3: tiered read-through, zipf(1.0) over 100k keys, L1 of 1,000 entries, 50 concurrent callers. */
export const w3: Workload = {
  id: 'W3',
  title: 'Tiered read-through (L1 1,000 + Redis), zipf(1.0) over 100k keys, 1 KB, 50 callers',
  mode: 'tiered',
  targets: [
    'hand-rolled lru+ioredis',
    'ours (@cache/*)',
    'bentocache',
    'cache-manager',
    'cacheable',
    'cachified',
  ],
  baseline: 'hand-rolled lru+ioredis',
  ratioMetric: 'opsPerSec',
  columns: [
    { metric: 'opsPerSec', label: 'ops/s', digits: 0 },
    { metric: 'p99Ms', label: 'p99 ms', digits: 2 },
    { metric: 'l1HitRatio', label: 'L1 hit ratio', digits: 3, optional: true },
  ],
  l1Items: L1_ITEMS,
  // Zipf traffic is where TinyLFU admission pays: ~0.60 L1 hit ratio instead of LRU's ~0.51 (`sim:admission`).
  ours: { l1Admission: 'tinylfu' },
  async run(context) {
    const cache = await context.open()
    const samples = zipfSamples(KEYS, ZIPF_S, 1 << 18, 3 + context.rep)
    const mask = samples.length - 1
    const keys = new Map<number, string>()
    const keyOf = (rank: number) => {
      let key = keys.get(rank)
      if (key === undefined) keys.set(rank, (key = `doc:${rank}`))
      return key
    }
    let before: { hits: number; misses: number } | undefined
    const result = await concurrentLoop(
      async (i) => {
        const rank = samples[i & mask]!
        const value = await cache.getOrSet(keyOf(rank), async () => kbObject(rank), 600_000)
        if ((value as { id?: number } | undefined)?.id !== rank)
          throw new Error(`${context.target} wrong value`)
      },
      {
        concurrency: 50,
        durationMs: context.quick ? 400 : 1_500,
        warmupMs: context.quick ? 200 : 800,
        onMeasureStart: () => (before = cache.l1Counts?.()),
      },
    )
    const after = cache.l1Counts?.()
    const hitRatio =
      before && after
        ? (after.hits - before.hits) / (after.hits - before.hits + after.misses - before.misses)
        : undefined
    return {
      opsPerSec: result.opsPerSec,
      p99Ms: result.latencies.percentile(99),
      ...(hitRatio === undefined ? {} : { l1HitRatio: hitRatio }),
    }
  },
}
