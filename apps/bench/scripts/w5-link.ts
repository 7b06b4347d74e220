// W5 over a modelled network link instead of loopback: this process runs a TCP proxy that delivers each
// direction at a link's rate and latency (src/lib/link.ts), and W5's own children (bare ioredis, ours
// with default compression, ours without) run through it, so the bench's loopback figure can be set
// beside what the same loop does when Redis is across a network.
//   pnpm --filter @cache/bench w5:link                                   # loopback, 10 Gbit/s, 1 Gbit/s, 100 Mbit/s
//   pnpm --filter @cache/bench w5:link --links 1000,100 --latency 0.25 --reps 5
// The proxy shares the machine's 2 cores with the children and Redis; it moves every byte, so it costs
// bare ioredis (3.3x the bytes of ours) more CPU than ours: read the loopback row as the baseline.
import { parseArgs } from 'node:util'
import { newRunId, rotation, runChild } from '../src/lib/fork'
import { startLinkProxy } from '../src/lib/link'
import { REDIS_URL } from '../src/lib/redis'
import { median } from '../src/lib/stats'
import { renderTable } from '../src/report'
import { OURS, OURS_NO_COMPRESSION } from '../src/targets/names'

const { values } = parseArgs({
  options: {
    links: { type: 'string', default: '10000,1000,100' },
    latency: { type: 'string', default: '0.1' },
    reps: { type: 'string', default: '3' },
  },
})
const links = values.links.split(',').map(Number)
const latencyMs = Number(values.latency)
const reps = Number(values.reps)
if (links.some((l) => !(l > 0)) || !(latencyMs >= 0) || !(Number.isInteger(reps) && reps > 0)) {
  console.error('--links takes megabits per second (e.g. 10000,1000), --latency milliseconds, --reps a count')
  process.exit(2)
}

const targets = ['ioredis', OURS, OURS_NO_COMPRESSION]
const upstream = new URL(REDIS_URL)
const rows: string[][] = []
const fmt = (value: number) => Math.round(value).toLocaleString('en-US')

for (const mbps of [undefined, ...links]) {
  const proxy =
    mbps === undefined
      ? undefined
      : await startLinkProxy(Number(upstream.port || 6379), { megabitsPerSecond: mbps, latencyMs })
  // The children read BENCH_REDIS_URL when they start.
  process.env.BENCH_REDIS_URL = proxy ? `redis://127.0.0.1:${proxy.port}` : REDIS_URL
  // A run id per link keeps each link's keys apart, as the bench does per run.
  const runId = newRunId()
  const ops: Record<string, number[]> = Object.fromEntries(targets.map((t) => [t, []]))
  for (let rep = 0; rep < reps; rep++) {
    for (const target of rotation(targets, rep)) {
      const result = await runChild(
        {
          workload: 'W5',
          target,
          quick: false,
          runId,
          rep,
        },
        { timeoutMs: 120_000 },
      )
      if (!result.ok) throw new Error(`${target} over ${mbps ?? 'loopback'}: ${result.error}`)
      ops[target]!.push(result.metrics.opsPerSec!)
      console.error(
        `[${mbps === undefined ? 'loopback' : `${mbps} Mbit/s`} rep ${rep + 1}/${reps}] ${target}: ${result.metrics.opsPerSec!.toFixed(0)} ops/s`,
      )
    }
  }
  await proxy?.close()
  const bare = median(ops.ioredis!)
  rows.push([
    mbps === undefined
      ? 'loopback (no proxy)'
      : `${mbps.toLocaleString('en-US')} Mbit/s, ${latencyMs} ms each way`,
    ...targets.flatMap((t) => {
      const value = median(ops[t]!)
      return t === 'ioredis' ? [fmt(value)] : [fmt(value), `${(value / bare).toFixed(2)}x`]
    }),
  ])
}
process.env.BENCH_REDIS_URL = REDIS_URL

console.log(
  renderTable(
    ['link', 'ioredis ops/s', `${OURS} ops/s`, 'vs ioredis', `${OURS_NO_COMPRESSION} ops/s`, 'vs ioredis'],
    rows,
    ['left', 'right', 'right', 'right', 'right', 'right'],
  ),
)
console.log(
  `\nW5 (100 KB responses, 80/20 get/set, 10 callers), median of ${reps} repetitions per target and link.`,
)
