import { mkdirSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { evaluate, type WorkloadMedians } from './checks'
import { runChild } from './lib/fork'
import { median } from './lib/stats'
import { type BenchReport, markdown, type TargetResult } from './report'
import { WORKLOAD_LIST } from './workloads/registry'

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    reps: { type: 'string' },
    only: { type: 'string' },
    targets: { type: 'string' },
    out: { type: 'string' },
    source: { type: 'boolean', default: false },
  },
})

const quick = values.quick ?? false
const reps = Number(values.reps ?? (quick ? 1 : 3))
const only = values.only?.split(',')
const targetFilter = values.targets?.split(',')
const here = dirname(fileURLToPath(import.meta.url))
const out = resolve(values.out ?? resolve(here, '..', 'results', quick ? 'quick.json' : 'latest.json'))
if (values.source && !import.meta.url.endsWith('.ts')) {
  console.error('--source needs the TypeScript entry: node --import tsx src/main.ts --source')
  process.exit(2)
}
// --source runs our packages from TypeScript source (no build needed); the default runs built dist.
const execArgv = [...process.execArgv, ...(values.source ? ['--conditions=source'] : [])]
// Five random base-36 characters: enough to keep concurrent runs apart in a shared Redis.
const runId = Math.random().toString(36).slice(2, 7).padEnd(5, '0')
const workloads = WORKLOAD_LIST.filter((w) => !only || only.includes(w.id))

const report: BenchReport = {
  date: new Date().toISOString(),
  command: `pnpm --filter @cache/bench bench${process.argv.slice(2).length ? ` ${process.argv.slice(2).join(' ')}` : ''}`,
  quick,
  reps,
  node: process.versions.node,
  cpus: os.cpus().length,
  cpuModel: os.cpus()[0]?.model ?? 'unknown',
  workloads: [],
  checks: [],
}
const medians: Record<string, WorkloadMedians> = {}

for (const workload of workloads) {
  const targets = workload.targets.filter((t) => !targetFilter || targetFilter.includes(t))
  const raw: Record<string, { reps: Record<string, number>[]; errors: string[] }> = {}
  for (const t of targets) raw[t] = { reps: [], errors: [] }
  const workloadReps = quick ? reps : Math.max(reps, workload.minReps ?? 0)
  for (let rep = 0; rep < workloadReps; rep++) {
    // Rotating the order spreads slow drift of a shared machine over every target.
    const order = targets.map((_, i) => targets[(i + rep) % targets.length]!)
    for (const target of order) {
      const started = performance.now()
      const result = await runChild(
        { workload: workload.id, target, quick, runId, rep },
        { timeoutMs: quick ? 60_000 : 120_000, execArgv },
      )
      const ms = (performance.now() - started).toFixed(0)
      if (result.ok) raw[target]!.reps.push(result.metrics)
      else raw[target]!.errors.push(result.error)
      process.stderr.write(
        `[${workload.id} rep ${rep + 1}/${workloadReps}] ${target}: ${result.ok ? JSON.stringify(result.metrics, (_k, v) => (typeof v === 'number' ? Number(v.toPrecision(4)) : v)) : `FAILED ${result.error.split('\n')[0]}`} (${ms} ms)\n`,
      )
    }
  }
  const results: Record<string, TargetResult> = {}
  medians[workload.id] = {}
  for (const [target, { reps: runs, errors }] of Object.entries(raw)) {
    const metricNames = [...new Set(runs.flatMap((r) => Object.keys(r)))]
    const med = Object.fromEntries(
      metricNames.map((name) => [
        name,
        median(runs.map((r) => r[name]).filter((v): v is number => v !== undefined)),
      ]),
    )
    results[target] = { median: med, reps: runs, errors }
    medians[workload.id]![target] = runs.length > 0 ? med : undefined
  }
  report.workloads.push({ id: workload.id, title: workload.title, baseline: workload.baseline, results })
}

report.checks = evaluate(medians)
mkdirSync(dirname(out), { recursive: true })
writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`)
process.stdout.write(`${markdown(report, workloads)}\n\nJSON written to ${out}\n`)
