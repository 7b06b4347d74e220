/*
 * What `redisStore.setMany` costs per batch with `batchWrites: 'script'` (one EVAL) and `'pipeline'` (a
 * SET per entry): client CPU (`process.cpuUsage`), Redis CPU (`INFO cpu`) and batches/s, 10 callers
 * writing 50 entries of 1 KB, the two modes alternating; then Redis's time per script call for a few batch
 * shapes (`INFO commandstats`). Redis CPU counts every client, so run it with nothing else on that Redis.
 *
 *   pnpm --filter @cache/bench set-many:cost            # 3 rounds of 2 s per mode
 *   BENCH_MS=5000 BENCH_ROUNDS=5 pnpm --filter @cache/bench set-many:cost
 *
 * Runs the built `dist` of our packages (`pnpm build` first). Writes only under its own key prefix and
 * removes it at the end.
 */
import { redisStore } from '@cache/redis-ioredis'
import { Redis } from 'ioredis'
import { deletePrefix } from '../src/lib/redis'

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'
const MS = Number(process.env.BENCH_MS ?? 2_000)
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3)
const CALLERS = 10
const prefix = `bench:set-many:${process.pid}:`
const admin = new Redis(REDIS_URL)

/** Redis's user + system CPU so far, in µs. */
async function redisCpuMicros(): Promise<number> {
  const info = await admin.info('cpu')
  const field = (name: string) => Number(info.match(new RegExp(`${name}:([\\d.]+)`))?.[1] ?? 0)
  return (field('used_cpu_user') + field('used_cpu_sys')) * 1e6
}

/** Calls of EVAL and the µs Redis spent in them so far. */
async function evalStats(): Promise<{ calls: number; usec: number }> {
  const info = await admin.info('commandstats')
  const line = info.split('\r\n').find((l) => l.startsWith('cmdstat_eval:')) ?? ''
  return {
    calls: Number(line.match(/calls=(\d+)/)?.[1] ?? 0),
    usec: Number(line.match(/usec=(\d+)/)?.[1] ?? 0),
  }
}

function batch(count: number, size: number, round: number) {
  return Array.from({ length: count }, (_, i) => ({
    key: `${prefix}${i}`,
    value: new Uint8Array(size).fill((round + i) % 251),
    ttlMs: 60_000,
  }))
}

async function measure(mode: 'script' | 'pipeline', round: number): Promise<string> {
  const store = redisStore({ url: REDIS_URL }, { batchWrites: mode })
  await store.ping()
  // One batch per caller, written again and again: the cost is the write, not building values.
  const batches = Array.from({ length: CALLERS }, (_, c) =>
    batch(50, 1_024, round + c).map((entry) => ({ ...entry, key: `${entry.key}:${c}` })),
  )
  const loop = async (ms: number) => {
    const end = performance.now() + ms
    let done = 0
    await Promise.all(
      batches.map(async (entries) => {
        while (performance.now() < end) {
          await store.setMany(entries)
          done++
        }
      }),
    )
    return done
  }
  await loop(300)
  const redisBefore = await redisCpuMicros()
  const clientBefore = process.cpuUsage()
  const started = performance.now()
  const done = await loop(MS)
  const elapsed = performance.now() - started
  const client = process.cpuUsage(clientBefore)
  const redis = (await redisCpuMicros()) - redisBefore
  await store.close()
  return (
    `${mode.padEnd(8)} ${Math.round((done / elapsed) * 1000)
      .toLocaleString('en-US')
      .padStart(6)} batches/s  ` +
    `client ${((client.user + client.system) / done).toFixed(0).padStart(4)} µs  ` +
    `Redis ${(redis / done).toFixed(0).padStart(4)} µs per batch of 50 x 1 KB`
  )
}

for (let round = 0; round < ROUNDS; round++) {
  console.log(await measure('pipeline', round))
  console.log(await measure('script', round))
}

// Redis's time per script call: how long one call holds the server.
const store = redisStore({ url: REDIS_URL }, { batchWrites: 'script' })
for (const [count, size] of [
  [50, 1_024],
  [256, 1_024],
  [256, 4_096],
  [3, 340_000],
] as const) {
  const before = await evalStats()
  for (let round = 0; round < 50; round++) await store.setMany(batch(count, size, round))
  const after = await evalStats()
  const perCall = (after.usec - before.usec) / Math.max(1, after.calls - before.calls)
  console.log(`script call of ${count} x ${size} B: ${perCall.toFixed(0)} µs of Redis time`)
}
await store.close()
await deletePrefix(admin, prefix)
admin.disconnect()
