// W5 over a modelled network link instead of loopback: W5's own children (bare ioredis, ours with default
// compression, ours without) run against Redis through a link that delivers each direction at a rate, so
// the bench's loopback figure can be set beside what the same loop does when Redis is across a network.
// Two link models:
// - a TCP proxy in this process (src/lib/link.ts), with a rate and a latency each way. It shares the
//   machine's 2 cores with the children and Redis and moves every byte, so it takes CPU from the
//   children (more from bare ioredis, which sends 3.3x the bytes of ours).
// - `--kernel`: the kernel's traffic control (an htb class per direction on loopback, src/lib/shaper.ts),
//   which costs the children no CPU, but adds no latency (this machine's kernel has no netem). Each child
//   runs in a network namespace of its own, with its own redis-server, as the bench's W5-link does;
//   needs `unshare`, `tc` and root or user namespaces.
//   pnpm --filter @cache/bench w5:link                                   # loopback, 10 Gbit/s, 1 Gbit/s, 100 Mbit/s
//   pnpm --filter @cache/bench w5:link --links 1000,100 --latency 0.25 --reps 5
//   pnpm --filter @cache/bench w5:link --kernel --links 10000,2500,1000,100
//   pnpm --filter @cache/bench w5:link --kernel --links 1000 --targets 'ours (@cache/*),bentocache,cache-manager,cacheable'
// Bare ioredis always runs: every other target is set against it.
import { parseArgs } from 'node:util'
import { newRunId, rotation, runChild } from '../src/lib/fork'
import { startLinkProxy } from '../src/lib/link'
import { REDIS_URL } from '../src/lib/redis'
import { median } from '../src/lib/stats'
import { renderTable } from '../src/report'
import { OURS, OURS_NO_COMPRESSION } from '../src/targets/names'
import { w5 } from '../src/workloads/redis'

const { values } = parseArgs({
  options: {
    links: { type: 'string', default: '10000,1000,100' },
    latency: { type: 'string' },
    reps: { type: 'string', default: '3' },
    kernel: { type: 'boolean', default: false },
    targets: { type: 'string', default: `${OURS},${OURS_NO_COMPRESSION}` },
  },
})
const links = values.links.split(',').map(Number)
const latencyMs = Number(values.latency ?? '0.1')
const reps = Number(values.reps)
const usage = (message: string) => {
  console.error(message)
  process.exit(2)
}
if (links.some((l) => !(l > 0)) || !(latencyMs >= 0) || !(Number.isInteger(reps) && reps > 0))
  usage('--links takes megabits per second (e.g. 10000,1000), --latency milliseconds, --reps a count')
const chosen = values.targets.split(',').map((t) => t.trim())
const unknown = chosen.filter((t) => !w5.targets.includes(t))
if (unknown.length > 0)
  usage(`--targets: not a W5 target: ${unknown.join(', ')} (W5 runs ${w5.targets.join(', ')})`)
const targets = ['ioredis', ...new Set(chosen.filter((t) => t !== 'ioredis'))]
if (values.kernel && values.latency !== undefined)
  usage('--kernel models no latency (this kernel has no netem); leave out --latency')

const upstream = new URL(REDIS_URL)
const rows: string[][] = []
const fmt = (value: number) => Math.round(value).toLocaleString('en-US')
const linkLabel = (mbps: number | undefined) => {
  if (mbps === undefined) return values.kernel ? 'loopback (no shaping)' : 'loopback (no proxy)'
  const rate = `${mbps.toLocaleString('en-US')} Mbit/s`
  return values.kernel ? `${rate} each way (tc htb)` : `${rate}, ${latencyMs} ms each way`
}

try {
  for (const mbps of [undefined, ...links]) {
    const proxy =
      mbps === undefined || values.kernel
        ? undefined
        : await startLinkProxy(Number(upstream.port || 6379), { megabitsPerSecond: mbps, latencyMs })
    // The children read BENCH_REDIS_URL when they start (in a private network, runChild sets it).
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
            ...(values.kernel ? { network: mbps === undefined ? {} : { megabitsPerSecond: mbps } } : {}),
          },
          { timeoutMs: 120_000 },
        )
        if (!result.ok) throw new Error(`${target} over ${mbps ?? 'loopback'}: ${result.error}`)
        const { opsPerSec, linkBytesFromRedis, linkBytesToRedis } = result.metrics
        ops[target]!.push(opsPerSec!)
        const mb = (bytes: number) => (bytes / 1e6).toFixed(0)
        const link =
          linkBytesFromRedis === undefined
            ? ''
            : ` (link: ${mb(linkBytesFromRedis)} MB from Redis, ${mb(linkBytesToRedis!)} MB to it)`
        console.error(
          `[${mbps === undefined ? 'loopback' : `${mbps} Mbit/s`} rep ${rep + 1}/${reps}] ${target}: ${opsPerSec!.toFixed(0)} ops/s${link}`,
        )
      }
    }
    await proxy?.close()
    const bare = median(ops.ioredis!)
    rows.push([
      linkLabel(mbps),
      ...targets.flatMap((t) => {
        const value = median(ops[t]!)
        return t === 'ioredis' ? [fmt(value)] : [fmt(value), `${(value / bare).toFixed(2)}x`]
      }),
    ])
  }
} finally {
  process.env.BENCH_REDIS_URL = REDIS_URL
}

console.log(
  renderTable(
    ['link', ...targets.flatMap((t) => (t === 'ioredis' ? [`${t} ops/s`] : [`${t} ops/s`, 'vs ioredis']))],
    rows,
    ['left', ...rows[0]!.slice(1).map(() => 'right' as const)],
  ),
)
console.log(
  `\nW5 (100 KB responses, 80/20 get/set, 10 callers), median of ${reps} repetitions per target and link.`,
)
