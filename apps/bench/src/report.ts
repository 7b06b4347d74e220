import type { Check } from './checks'
import type { Workload } from './workloads/types'

/** Figures of one target in one workload: medians over repetitions plus the raw repetitions. */
export interface TargetResult {
  median: Record<string, number>
  reps: Record<string, number>[]
  errors: string[]
}

/** Everything one run measured. */
export interface BenchReport {
  date: string
  command: string
  quick: boolean
  reps: number
  node: string
  cpus: number
  cpuModel: string
  workloads: { id: string; title: string; baseline: string; results: Record<string, TargetResult> }[]
  checks: Check[]
}

const fmt = (value: number | undefined, digits: number) =>
  value === undefined || Number.isNaN(value)
    ? 'n/a'
    : value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })

/** One markdown table for one workload. */
export function workloadTable(workload: Workload, results: Record<string, TargetResult>): string {
  const ratio = workload.ratioMetric
  const head = [
    'target',
    ...workload.columns.map((c) => c.label),
    ...(ratio ? [`vs ${workload.baseline}`] : []),
  ]
  const lines = [
    `| ${head.join(' | ')} |`,
    `|${head.map((_, i) => (i === 0 ? ' --- ' : ' ---: ')).join('|')}|`,
  ]
  const base = ratio ? results[workload.baseline]?.median[ratio] : undefined
  for (const target of workload.targets) {
    const result = results[target]
    if (!result) continue
    if (Object.keys(result.median).length === 0) {
      const reason = (result.errors[0] ?? 'failed').split('\n')[0]!.slice(0, 80)
      lines.push(
        `| ${target} | ${workload.columns.map(() => '—').join(' | ')}${ratio ? ' | —' : ''} | ← failed: ${reason}`,
      )
      continue
    }
    const cells = workload.columns.map((c) => fmt(result.median[c.metric], c.digits))
    if (ratio) {
      const value = result.median[ratio]
      cells.push(base && value !== undefined ? `${(value / base).toFixed(2)}x` : 'n/a')
    }
    lines.push(`| ${target} | ${cells.join(' | ')} |`)
  }
  return lines.join('\n')
}

/** The targets of issue 7 as a markdown table. */
export function checksTable(checks: readonly Check[]): string {
  const lines = ['| workload | target (ours) | measured | status |', '| --- | --- | ---: | --- |']
  for (const c of checks) {
    const status = c.info ? 'info' : c.met === null ? 'n/a' : c.met ? 'met' : 'MISSED'
    lines.push(`| ${c.workload} | ${c.target} | ${c.measured} | ${status} |`)
  }
  return lines.join('\n')
}

/** The whole report as markdown. */
export function markdown(report: BenchReport, workloads: readonly Workload[]): string {
  const sections: string[] = []
  // Workloads with a minimum above --reps, grouped by count: "5 for W1, W2", or "5 for the targets
  // judged in W1, W2" when only those ran it (see Workload.minRepsFor).
  const more = new Map<string, string[]>()
  for (const w of report.workloads) {
    const workload = workloads.find((x) => x.id === w.id)!
    const runsOf = Object.entries(w.results).map(([t, r]) => [t, r.reps.length + r.errors.length] as const)
    const runs = Math.max(...runsOf.map(([, n]) => n))
    let note = ''
    if (runs > report.reps) {
      const most = runsOf.filter(([, n]) => n === runs).map(([t]) => t)
      const fewer = [...new Set(runsOf.filter(([, n]) => n < runs).map(([, n]) => n))]
      note =
        fewer.length === 0
          ? ` (median of ${runs} repetitions)`
          : ` (median of ${runs} repetitions for ${most.join(', ')}; ${fewer.join(' or ')} for the others)`
      const group = fewer.length === 0 ? `${runs} for` : `${runs} for the targets judged in`
      more.set(group, [...(more.get(group) ?? []), w.id])
    }
    sections.push('', `### ${w.id}: ${w.title}${note}`, '', workloadTable(workload, w.results))
  }
  const exceptions = [...more].map(([group, ids]) => `${group} ${ids.join(', ')}`).join('; ')
  const reps = `median of ${report.reps} repetition(s)${exceptions ? ` (${exceptions})` : ''}`
  return [
    `Run ${report.date}, ${report.quick ? 'quick mode' : 'full mode'}, ${reps}, ` +
      `Node ${report.node}, ${report.cpus} x ${report.cpuModel}. Command: \`${report.command}\``,
    '',
    '### Targets',
    '',
    checksTable(report.checks),
    ...sections,
  ].join('\n')
}
