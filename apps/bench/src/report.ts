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
  /** Some workload or target was left out (`--only`, `--targets`, `--judged`). */
  partial?: boolean
  reps: number
  node: string
  cpus: number
  cpuModel: string
  /** Wall time of the whole run, build excluded (absent in reports before session 26). */
  elapsedMs?: number
  workloads: {
    id: string
    title: string
    baseline: string
    results: Record<string, TargetResult>
    /** Wall time of this workload's children, start-up included. */
    elapsedMs?: number
  }[]
  checks: Check[]
}

const fmt = (value: number | undefined, digits: number) =>
  value === undefined || Number.isNaN(value)
    ? 'n/a'
    : value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })

/** How a column's cells line up: text to the left, figures to the right. */
export type Align = 'left' | 'right'

// A cell's own pipes would split it into two columns.
const cell = (text: string) => text.replaceAll('|', '\\|')

/**
 * A markdown table with every column padded to its widest cell, so the source reads as a table too
 * (the READMEs carry these tables as the bench prints them).
 */
export function renderTable(
  head: readonly string[],
  rows: readonly (readonly string[])[],
  align: readonly Align[],
) {
  const all = [head, ...rows].map((row) => head.map((_, i) => cell(row[i] ?? '')))
  const widths = head.map((_, i) => Math.max(3, ...all.map((row) => row[i]!.length)))
  const line = (cells: readonly string[]) =>
    `| ${cells.map((c, i) => (align[i] === 'right' ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join(' | ')} |`
  const rule = widths.map((w, i) => (align[i] === 'right' ? `${'-'.repeat(w - 1)}:` : '-'.repeat(w)))
  return [line(all[0]!), line(rule), ...all.slice(1).map(line)].join('\n')
}

/** One markdown table for one workload. */
export function workloadTable(workload: Workload, results: Record<string, TargetResult>): string {
  const ratio = workload.ratioMetric
  const head = [
    'target',
    ...workload.columns.map((c) => c.label),
    ...(ratio ? [`vs ${workload.baseline}`] : []),
  ]
  const rows: string[][] = []
  const base = ratio ? results[workload.baseline]?.median[ratio] : undefined
  for (const target of workload.targets) {
    const result = results[target]
    if (!result) continue
    if (Object.keys(result.median).length === 0) {
      const reason = (result.errors[0] ?? 'failed').split('\n')[0]!.slice(0, 80)
      rows.push([`${target} (failed: ${reason})`, ...head.slice(1).map(() => '—')])
      continue
    }
    const cells = workload.columns.map((c) => fmt(result.median[c.metric], c.digits))
    if (ratio) {
      const value = result.median[ratio]
      cells.push(base && value !== undefined ? `${(value / base).toFixed(2)}x` : 'n/a')
    }
    rows.push([target, ...cells])
  }
  return renderTable(head, rows, ['left', ...head.slice(1).map((): Align => 'right')])
}

/** The targets of issue 7 as a markdown table. */
export function checksTable(checks: readonly Check[]): string {
  const rows = checks.map((c) => {
    const status = c.info ? 'info' : c.met === null ? 'n/a' : c.met ? 'met' : 'MISSED'
    return [c.workload, c.target, c.measured, status]
  })
  return renderTable(['workload', 'target (ours)', 'measured', 'status'], rows, [
    'left',
    'left',
    'right',
    'left',
  ])
}

/**
 * How many repetitions each median took: a note per workload that ran more than `--reps` (its heading
 * says so) and the run line's summary of them ("5 for W1, W2", or "5 for the targets judged in W1, W2"
 * when only those ran it; see Workload.minRepsFor).
 */
function repetitions(report: BenchReport): { summary: string; notes: Map<string, string> } {
  const notes = new Map<string, string>()
  const more = new Map<string, string[]>()
  for (const w of report.workloads) {
    const runsOf = Object.entries(w.results).map(([t, r]) => [t, r.reps.length + r.errors.length] as const)
    const runs = Math.max(...runsOf.map(([, n]) => n))
    if (runs <= report.reps) continue
    const most = runsOf.filter(([, n]) => n === runs).map(([t]) => t)
    const fewer = [...new Set(runsOf.filter(([, n]) => n < runs).map(([, n]) => n))]
    notes.set(
      w.id,
      fewer.length === 0
        ? ` (median of ${runs} repetitions)`
        : ` (median of ${runs} repetitions for ${most.join(', ')}; ${fewer.join(' or ')} for the others)`,
    )
    const group = fewer.length === 0 ? `${runs} for` : `${runs} for the targets judged in`
    more.set(group, [...(more.get(group) ?? []), w.id])
  }
  const exceptions = [...more].map(([group, ids]) => `${group} ${ids.join(', ')}`).join('; ')
  return { summary: `median of ${report.reps} repetition(s)${exceptions ? ` (${exceptions})` : ''}`, notes }
}

/** The line that names a run: when, which mode, how many repetitions, on what, and the command. */
export function runLine(report: BenchReport): string {
  return (
    `Run ${report.date}, ${report.quick ? 'quick mode' : 'full mode'}${report.partial ? ' (some targets left out)' : ''}, ${repetitions(report).summary}, ` +
    `Node ${report.node}, ${report.cpus} x ${report.cpuModel}. Command: \`${report.command}\``
  )
}

/** The whole report as markdown. */
export function markdown(report: BenchReport, workloads: readonly Workload[]): string {
  const { notes } = repetitions(report)
  const sections = report.workloads.flatMap((w) => {
    const workload = workloads.find((x) => x.id === w.id)!
    return ['', `### ${w.id}: ${w.title}${notes.get(w.id) ?? ''}`, '', workloadTable(workload, w.results)]
  })
  return [runLine(report), '', '### Targets', '', checksTable(report.checks), ...sections].join('\n')
}
