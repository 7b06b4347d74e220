import { mkdirSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { evaluate, type WorkloadMedians } from './checks'
import {
  type BenchOptions,
  judgedTargets,
  parseCli,
  repetitionsOf,
  reportPath,
  UsageError,
  usage,
} from './cli'
import { newRunId, rotation, runChild } from './lib/fork'
import { median } from './lib/stats'
import { type BenchReport, markdown, type TargetResult } from './report'
import { WORKLOAD_LIST } from './workloads/registry'

function parsed(): BenchOptions {
  try {
    const options = parseCli(process.argv.slice(2), WORKLOAD_LIST)
    if (options) return options
    process.stdout.write(`${usage(WORKLOAD_LIST)}\n`)
    process.exit(0)
  } catch (error) {
    if (!(error instanceof UsageError)) throw error
    process.stderr.write(`${error.message}\n\n${usage(WORKLOAD_LIST)}\n`)
    process.exit(2)
  }
}

const { quick, reps, workloads, targets: targetFilter, judged, source, partial, out: outOption } = parsed()
const here = dirname(fileURLToPath(import.meta.url))
const out = reportPath({ out: outOption, quick, partial }, resolve(here, '..'))
if (source && !import.meta.url.endsWith('.ts')) {
  console.error('--source needs the TypeScript entry: node --import tsx src/main.ts --source')
  process.exit(2)
}
// --source runs our packages from TypeScript source (no build needed); the default runs built dist.
const execArgv = [...process.execArgv, ...(source ? ['--conditions=source'] : [])]
const runId = newRunId()

const report: BenchReport = {
  date: new Date().toISOString(),
  command: `pnpm --filter @cache/bench bench${process.argv.slice(2).length ? ` ${process.argv.slice(2).join(' ')}` : ''}`,
  quick,
  ...(partial ? { partial: true } : {}),
  reps,
  node: process.versions.node,
  cpus: os.cpus().length,
  cpuModel: os.cpus()[0]?.model ?? 'unknown',
  workloads: [],
  checks: [],
}
const medians: Record<string, WorkloadMedians> = {}

const runStarted = performance.now()
for (const workload of workloads) {
  const workloadStarted = performance.now()
  const targets = (judged ? judgedTargets(workload) : workload.targets).filter(
    (t) => !targetFilter || targetFilter.includes(t),
  )
  const raw: Record<string, { reps: Record<string, number>[]; errors: string[] }> = {}
  for (const t of targets) raw[t] = { reps: [], errors: [] }
  const repsOf = (target: string) => repetitionsOf(workload, target, { quick, reps })
  const workloadReps = Math.max(...targets.map(repsOf))
  for (let rep = 0; rep < workloadReps; rep++) {
    const order = rotation(targets, rep).filter((t) => rep < repsOf(t))
    for (const target of order) {
      const started = performance.now()
      const result = await runChild(
        {
          workload: workload.id,
          target,
          quick,
          runId,
          rep,
          ...(workload.network ? { network: workload.network } : {}),
        },
        { timeoutMs: quick ? 60_000 : 120_000, execArgv },
      )
      const ms = (performance.now() - started).toFixed(0)
      if (result.ok) raw[target]!.reps.push(result.metrics)
      else raw[target]!.errors.push(result.error)
      process.stderr.write(
        `[${workload.id} rep ${rep + 1}/${repsOf(target)}] ${target}: ${result.ok ? JSON.stringify(result.metrics, (_k, v) => (typeof v === 'number' ? Number(v.toPrecision(4)) : v)) : `FAILED ${result.error.split('\n')[0]}`} (${ms} ms)\n`,
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
  report.workloads.push({
    id: workload.id,
    title: workload.title,
    baseline: workload.baseline,
    results,
    elapsedMs: Math.round(performance.now() - workloadStarted),
  })
}

report.elapsedMs = Math.round(performance.now() - runStarted)
// Only the targets of the workloads that ran: the others would all read n/a.
report.checks = evaluate(medians).filter((c) => workloads.some((w) => w.id === c.workload))
mkdirSync(dirname(out), { recursive: true })
writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`)
// A full run can replace the one the READMEs carry; say how (`bench:readme` refuses partial runs).
const publish =
  quick || partial
    ? ''
    : `To put it in the READMEs: pnpm --filter @cache/bench bench:readme${outOption === undefined ? '' : ` --from ${out}`}\n`
process.stdout.write(`${markdown(report, workloads)}\n\nJSON written to ${out}\n${publish}`)
