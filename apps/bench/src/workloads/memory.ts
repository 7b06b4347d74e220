import { hotLoop } from '../lib/loops'
import { uniformSamples } from '../lib/random'
import { kbObject } from '../lib/values'
import { OURS } from '../targets/names'
import type { Workload } from './types'

const HOUR_MS = 3_600_000

/**
 * Keys are built on every call, as an application does (`user:${id}`): a pre-built key string would
 * let V8 match the very string object stored in the Map and flatter any bare Map-based cache.
 */
const keyOf = (id: number) => `user:${id}`

async function hotKeys(quick: boolean) {
  const count = 10_000
  const keys = Array.from({ length: count }, (_, i) => keyOf(i))
  const order = uniformSamples(count, 1 << 16, 7)
  return { keys, order, mask: order.length - 1, durationMs: quick ? 150 : 600, warmupMs: quick ? 50 : 300 }
}

/**
 * A hot hit's speed depends on cache misses (`pnpm --filter @cache/bench instructions`), so on where one
 * process's GC happened to place 10k entries: single processes are bimodal, and 5 of them make the
 * median steadier. They are short (about 1 s each).
 */
const HOT_MIN_REPS = 5

/** W1: L1 hot `get` of 10k keys holding 1 KB objects. */
export const w1: Workload = {
  id: 'W1',
  title: 'L1 hot get, 10k keys, 1 KB objects',
  mode: 'memory',
  targets: ['lru-cache', 'ours (@cache/*)', 'bentocache', 'cache-manager', 'cacheable'],
  baseline: 'lru-cache',
  ratioMetric: 'opsPerSec',
  columns: [
    { metric: 'opsPerSec', label: 'ops per CPU-s', digits: 0 },
    { metric: 'opsPerWallSec', label: 'ops/s (wall)', digits: 0 },
  ],
  l1Items: 20_000,
  minReps: HOT_MIN_REPS,
  minRepsFor: [OURS, 'lru-cache'],
  async run(context) {
    const cache = await context.open()
    const { keys, order, mask, durationMs, warmupMs } = await hotKeys(context.quick)
    for (const [i, key] of keys.entries()) await cache.set(key, kbObject(i), HOUR_MS)
    for (const key of keys.slice(0, 10)) {
      if ((await cache.get(key)) === undefined) throw new Error(`${context.target} lost ${key}`)
    }
    const result = await hotLoop((i) => cache.get(keyOf(order[i & mask]!)), durationMs, warmupMs)
    return { opsPerSec: result.opsPerCpuSec, opsPerWallSec: result.opsPerSec }
  },
}

/** W1b: hot `getOrSet` that always hits. */
export const w1b: Workload = {
  id: 'W1b',
  title: 'L1 hot getOrSet (always hits), 10k keys, 1 KB objects',
  mode: 'memory',
  targets: ['lru-cache', 'ours (@cache/*)', 'bentocache', 'cache-manager', 'cacheable', 'cachified'],
  baseline: 'lru-cache',
  ratioMetric: 'opsPerSec',
  columns: [
    { metric: 'opsPerSec', label: 'ops per CPU-s', digits: 0 },
    { metric: 'opsPerWallSec', label: 'ops/s (wall)', digits: 0 },
  ],
  l1Items: 20_000,
  minReps: HOT_MIN_REPS,
  minRepsFor: [OURS, 'lru-cache'],
  async run(context) {
    const cache = await context.open()
    const { keys, order, mask, durationMs, warmupMs } = await hotKeys(context.quick)
    let loads = 0
    const loaders = keys.map((_, i) => async () => {
      loads++
      return kbObject(i)
    })
    for (const [i, key] of keys.entries()) await cache.getOrSet(key, loaders[i]!, HOUR_MS)
    const loadsAfterFill = loads
    const result = await hotLoop(
      (i) => {
        const k = order[i & mask]!
        return cache.getOrSet(keyOf(k), loaders[k]!, HOUR_MS)
      },
      durationMs,
      warmupMs,
    )
    if (loads !== loadsAfterFill)
      throw new Error(`${context.target} reloaded ${loads - loadsAfterFill} hot keys`)
    return { opsPerSec: result.opsPerCpuSec, opsPerWallSec: result.opsPerSec }
  },
}
