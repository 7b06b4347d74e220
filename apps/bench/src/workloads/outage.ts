import { startProxy } from '../lib/proxy'
import { kbObject } from '../lib/values'
import type { Workload } from './types'

const BUCKET_MS = 100
/** Breaker recovery window given to our stack in this workload. */
export const W7_BREAKER_RECOVERY_MS = 1_000
/** Our stack's per-command timeout in this workload. */
export const W7_COMMAND_TIMEOUT_MS = 300

/**
 * W7: 20 callers read 1,000 keys from Redis (L2 only) through a TCP proxy; mid-run the proxy stalls
 * every open connection (no reset: a network partition) and black-holes new ones, then forwards again.
 */
export const w7: Workload = {
  id: 'W7',
  title: 'Redis outage mid-run (TCP proxy stalls every connection), L2 only, 20 callers',
  mode: 'l2',
  targets: ['ours (@cache/*)', 'ioredis', 'bentocache', 'cache-manager'],
  baseline: 'ioredis',
  columns: [
    { metric: 'maxLatencyMs', label: 'max call ms', digits: 0 },
    { metric: 'errors', label: 'rejected calls', digits: 0 },
    { metric: 'recoveryMs', label: 'recovery ms after cut', digits: 0 },
    { metric: 'recovered', label: 'recovered', digits: 0 },
    { metric: 'opsBefore', label: 'ops/s before', digits: 0 },
    { metric: 'opsAfter', label: 'ops/s after recovery', digits: 0 },
  ],
  l1Items: 1_000,
  ours: { commandTimeoutMs: W7_COMMAND_TIMEOUT_MS, breakerRecoveryMs: W7_BREAKER_RECOVERY_MS },
  async run(context) {
    const proxy = await startProxy(Number(new URL(context.redisUrl).port || 6379))
    try {
      const cache = await context.open({ redisUrl: `redis://127.0.0.1:${proxy.port}` })
      const keys = Array.from({ length: 1_000 }, (_, i) => `row:${i}`)
      for (const [i, key] of keys.entries()) await cache.set(key, kbObject(i), 600_000)
      const beforeMs = context.quick ? 400 : 1_000
      const cutMs = context.quick ? 500 : 1_500
      const afterMs = context.quick ? 1_600 : 2_500
      const totalMs = beforeMs + cutMs + afterMs
      const buckets = Array.from({ length: Math.ceil(totalMs / BUCKET_MS) + 1 }, () => ({ ops: 0, hits: 0 }))
      let maxLatencyMs = 0
      let errors = 0
      const inFlight = new Set<number>()
      const t0 = performance.now()
      setTimeout(() => proxy.cut(), beforeMs)
      setTimeout(() => proxy.restore(), beforeMs + cutMs)
      let i = 0
      const worker = async () => {
        while (performance.now() - t0 < totalMs) {
          const start = performance.now()
          inFlight.add(start)
          let hit = false
          try {
            hit = (await cache.get(keys[i++ % keys.length]!)) !== undefined
          } catch {
            errors++
          }
          inFlight.delete(start)
          const end = performance.now()
          maxLatencyMs = Math.max(maxLatencyMs, end - start)
          const bucket = buckets[Math.min(buckets.length - 1, Math.floor((end - t0) / BUCKET_MS))]!
          bucket.ops++
          if (hit) bucket.hits++
          // Requests reach a server through I/O: yield to the event loop, or a cache answering from
          // memory alone would starve the timers (reconnects, the proxy's restore) for the whole run.
          await new Promise((resolve) => setImmediate(resolve))
        }
      }
      const workers = Promise.all(Array.from({ length: 20 }, worker))
      // A client that hangs forever must not hang the bench: stop waiting 5 s after the end.
      await Promise.race([workers, new Promise((resolve) => setTimeout(resolve, totalMs + 5_000))])
      const now = performance.now()
      for (const start of inFlight) maxLatencyMs = Math.max(maxLatencyMs, now - start)
      const warm = buckets.slice(2, Math.floor(beforeMs / BUCKET_MS))
      const hitsBefore = warm.reduce((s, b) => s + b.hits, 0) / warm.length
      const restoreBucket = Math.ceil((beforeMs + cutMs) / BUCKET_MS)
      const lastFull = Math.floor(totalMs / BUCKET_MS)
      let recovered = -1
      for (let b = restoreBucket; b < lastFull; b++) {
        if (buckets[b]!.hits >= 0.8 * hitsBefore) {
          recovered = b
          break
        }
      }
      // Never recovered within the run: report the whole window after the cut (a lower bound).
      const recoveryMs = (recovered < 0 ? lastFull : recovered + 1) * BUCKET_MS - (beforeMs + cutMs)
      const afterBuckets = recovered < 0 ? [] : buckets.slice(recovered, lastFull)
      return {
        maxLatencyMs,
        errors,
        recoveryMs,
        recovered: recovered < 0 ? 0 : 1,
        opsBefore: (hitsBefore * 1000) / BUCKET_MS,
        opsAfter: afterBuckets.length
          ? (afterBuckets.reduce((s, b) => s + b.hits, 0) / afterBuckets.length) * (1000 / BUCKET_MS)
          : 0,
      }
    } finally {
      await proxy.close()
    }
  },
}
