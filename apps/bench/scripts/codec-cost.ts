/**
 * CPU µs and bytes allocated per operation of the W2 loop (80/20 get/set, 50 callers, 1 KB objects)
 * W6 (`getMany` of 100 keys) and W5 (100 KB LLM-like JSON, 80/20 get/set, 10 callers, ours without
 * compression), ours against bare ioredis, alternated in fresh processes. Allocation
 * is summed from V8's `--trace-gc-nvp` lines between two forced collections around the measured loop.
 *
 *   node --import tsx scripts/codec-cost.ts [--rounds 3] [--ops 40000] [--workload W2|W5|W6] [--source]
 */
import { spawnSync } from 'node:child_process'
import { kbObject, llmResponse } from '../src/lib/values'
import { ioredisTarget } from '../src/targets/bare'
import { oursTarget } from '../src/targets/ours'
import type { BenchCache } from '../src/targets/types'

const MARK = '@@codec-cost'
const args = process.argv.slice(2)
const option = (name: string, fallback: string) => {
  const at = args.indexOf(`--${name}`)
  return at >= 0 ? args[at + 1]! : fallback
}

async function child(target: string, workload: string, ops: number): Promise<void> {
  const prefix = `codec-cost:${process.pid}:`
  const definition = target === 'ours' ? oursTarget : ioredisTarget
  const cache: BenchCache = await definition.create('l2', {
    prefix,
    l1Items: 1_000,
    redisUrl: 'redis://127.0.0.1:6379',
  })
  const count = workload === 'W6' ? 1_000 : workload === 'W5' ? 50 : 5_000
  const callers = workload === 'W5' ? 10 : 50
  const keys = Array.from({ length: count }, (_, i) => `item:${i}`)
  const values = keys.map((_, i) => (workload === 'W5' ? llmResponse(100_000, i + 1) : kbObject(i)))
  for (let i = 0; i < count; i += 50) {
    await Promise.all(keys.slice(i, i + 50).map((key, j) => cache.set(key, values[i + j], 600_000)))
  }
  let next = 0
  const w2 = async (n: number) => {
    const end = next + n
    await Promise.all(
      Array.from({ length: callers }, async () => {
        while (next < end) {
          const i = next++
          const k = (i * 2654435761) % count
          if (i % 5 === 0) await cache.set(keys[k]!, values[k], 600_000)
          else if ((await cache.get(keys[k]!)) === undefined) throw new Error(`lost ${keys[k]}`)
        }
      }),
    )
  }
  const w6 = async (n: number) => {
    for (let b = 0; b < n; b++) {
      const start = (b * 100) % (count - 100)
      const got = await cache.getMany!(keys.slice(start, start + 100))
      if (got[99] === undefined) throw new Error('getMany lost a key')
    }
  }
  const run = workload === 'W6' ? w6 : w2
  const measured = workload === 'W6' ? Math.max(1, Math.floor(ops / 100)) : ops
  await run(measured / 4)
  global.gc!()
  console.log(`${MARK} start`)
  const before = process.cpuUsage()
  await run(measured)
  const cpu = process.cpuUsage(before)
  global.gc!()
  console.log(`${MARK} end ${JSON.stringify({ ops: measured, cpuUs: cpu.user + cpu.system })}`)
  // Remove this child's keys.
  await cache.close()
}

function measure(target: string, workload: string, ops: number, source: boolean) {
  const flags = [
    '--expose-gc',
    '--trace-gc-nvp',
    '--import',
    'tsx',
    ...(source ? ['--conditions=source'] : []),
  ]
  const out = spawnSync(
    process.execPath,
    [
      ...flags,
      new URL(import.meta.url).pathname,
      '--child',
      target,
      '--workload',
      workload,
      '--ops',
      `${ops}`,
    ],
    { encoding: 'utf8', maxBuffer: 1 << 28 },
  )
  if (out.status !== 0) throw new Error(`child ${target} failed: ${out.stderr}`)
  const lines = out.stdout.split('\n')
  const start = lines.findIndex((l) => l.startsWith(`${MARK} start`))
  const end = lines.findIndex((l) => l.startsWith(`${MARK} end`))
  let allocated = 0
  // The collection right after the start mark counts what the loop allocated; the one before it does not.
  for (const line of lines.slice(start + 1, end + 1)) {
    const m = /allocated=(\d+)/.exec(line)
    if (m) allocated += Number(m[1])
  }
  const { ops: done, cpuUs } = JSON.parse(lines[end]!.slice(`${MARK} end `.length))
  return { cpuUsPerOp: cpuUs / done, bytesPerOp: allocated / done }
}

if (args[0] === '--child') {
  await child(args[1]!, option('workload', 'W2'), Number(option('ops', '40000')))
  process.exit(0)
} else {
  const rounds = Number(option('rounds', '3'))
  const ops = Number(option('ops', '40000'))
  const workload = option('workload', 'W2')
  const source = args.includes('--source')
  const rows: Record<string, { cpuUsPerOp: number; bytesPerOp: number }[]> = { ours: [], ioredis: [] }
  for (let r = 0; r < rounds; r++) {
    for (const target of ['ours', 'ioredis']) rows[target]!.push(measure(target, workload, ops, source))
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
  const unit = workload === 'W6' ? 'batch' : 'op'
  for (const [target, list] of Object.entries(rows)) {
    const cpu = list.map((x) => x.cpuUsPerOp.toFixed(1)).join(' ')
    const bytes = list.map((x) => Math.round(x.bytesPerOp)).join(' ')
    console.log(
      `${workload} ${target.padEnd(8)} CPU µs/${unit} median ${median(list.map((x) => x.cpuUsPerOp)).toFixed(1)} [${cpu}]  ` +
        `bytes/${unit} median ${Math.round(median(list.map((x) => x.bytesPerOp)))} [${bytes}]`,
    )
  }
}
