import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { type BenchReport, checksTable, markdown, renderTable, runLine } from './report'
import type { Workload } from './workloads/types'

/** A README, a report or a marker that the READMEs' generated tables cannot be built from. */
export class ReadmeError extends Error {
  override name = 'ReadmeError'
}

const markers = (name: string) => [`<!-- bench:${name}:start -->`, `<!-- bench:${name}:end -->`] as const

/** Where `<!-- bench:NAME:start -->` and its end marker sit in `text`; exactly one pair, in order. */
function locate(text: string, name: string, where: string): { from: number; to: number } {
  const [start, end] = markers(name)
  for (const marker of [start, end]) {
    const first = text.indexOf(marker)
    if (first < 0) throw new ReadmeError(`${where} has no ${marker} marker`)
    if (text.indexOf(marker, first + 1) >= 0)
      throw new ReadmeError(`${where} has more than one ${marker} marker`)
  }
  const from = text.indexOf(start) + start.length
  const to = text.indexOf(end)
  if (to < from) throw new ReadmeError(`${where} has ${end} before ${start}`)
  return { from, to }
}

/** What sits between the `bench:NAME` markers of `text`, without the blank lines around it. */
export function readBlock(text: string, name: string, where = 'the text'): string {
  const { from, to } = locate(text, name, where)
  return text.slice(from, to).trim()
}

/** `text` with what sits between its `bench:NAME` markers replaced by `content` (blank lines around it). */
export function spliceBlock(text: string, name: string, content: string, where = 'the text'): string {
  const { from, to } = locate(text, name, where)
  return `${text.slice(0, from)}\n\n${content.trim()}\n\n${text.slice(to)}`
}

/** The generated part of each README: every table for the bench's, the targets for the root's. */
export function readmeBlocks(report: BenchReport, workloads: readonly Workload[]) {
  return {
    bench: markdown(report, workloads),
    root: `${runLine(report)}\n\n${checksTable(report.checks)}`,
  }
}

/** How many runs the run-to-run table shows, newest first; `results/history` keeps every one. */
export const HISTORY_COLUMNS = 10

/** The file a run keeps in `results/history`: when it started and on what CPU. */
export function historyName(report: BenchReport): string {
  const cpu = report.cpuModel
    .toLowerCase()
    .replace(/\((r|tm)\)/g, '')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
  return `${report.date.slice(0, 16).replace(':', '-')}Z-${cpu || 'cpu'}.json`
}

const column = (report: BenchReport) => `${report.date.slice(5, 10)} ${report.date.slice(11, 16)}`

function median(report: BenchReport, workload: string, target: string, metric: string): number | undefined {
  return report.workloads.find((w) => w.id === workload)?.results[target]?.median[metric]
}

/**
 * Every target across runs, newest first: one column per run, a row per check (missed ones in bold), and
 * above them how fast the VM was (bare lru-cache and bare ioredis), since ratios move with it.
 */
export function historyTable(reports: readonly BenchReport[]): string {
  const runs = [...reports].sort((a, b) => b.date.localeCompare(a.date)).slice(0, HISTORY_COLUMNS)
  const number = (value: number | undefined, scale = 1, unit = '') =>
    value === undefined
      ? '—'
      : `${(value / scale).toLocaleString('en-US', { maximumFractionDigits: scale > 1 ? 2 : 0 })}${unit}`
  const rows: string[][] = [
    [
      'VM',
      'bare lru-cache W1 gets per CPU-s',
      ...runs.map((r) => number(median(r, 'W1', 'lru-cache', 'opsPerSec'), 1e6, 'M')),
    ],
    ['VM', 'bare ioredis W2 ops/s', ...runs.map((r) => number(median(r, 'W2', 'ioredis', 'opsPerSec')))],
    [
      'run',
      'minutes, build excluded',
      ...runs.map((r) => (r.elapsedMs === undefined ? '—' : (r.elapsedMs / 60_000).toFixed(1))),
    ],
  ]
  // A row no run has a figure for (run time before reports recorded it) says nothing.
  const known = rows.filter((row) => row.slice(2).some((cell) => cell !== '—'))
  // One row per check any run has, in the order the runs list them; a run without it shows —.
  const measured = runs.map((r) => new Map(r.checks.map((c) => [`${c.workload} ${c.target}`, c])))
  const seen = new Set<string>()
  for (const { workload, target } of runs.flatMap((r) => r.checks)) {
    const key = `${workload} ${target}`
    if (seen.has(key)) continue
    seen.add(key)
    const cells = measured.map((checks) => {
      const check = checks.get(key)
      if (!check) return '—'
      return check.met === false ? `**${check.measured}**` : check.measured
    })
    known.push([workload, target, ...cells])
  }
  const table = renderTable(['workload', 'target (ours)', ...runs.map(column)], known, [
    'left',
    'left',
    ...runs.map(() => 'right' as const),
  ])
  const legend = runs.map(
    (r) =>
      `- \`${column(r)}\`: ${r.date}, ${r.cpus} x ${r.cpuModel}, Node ${r.node}, \`${r.command}\` ([JSON](results/history/${historyName(r)}))`,
  )
  return [table, '', 'Missed targets in bold. Columns (UTC):', '', ...legend].join('\n')
}

/** Reads a report a full `pnpm bench` run wrote; a quick or partial one cannot stand for the READMEs. */
export function readFullReport(path: string, workloads: readonly Workload[]): BenchReport {
  return fullReport(readText(path), path, workloads)
}

function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8')
  } catch (error) {
    throw new ReadmeError(
      `cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
    )
  }
}

/** The report in `text` (read from `path`), checked to be a full run. */
function fullReport(text: string, path: string, workloads: readonly Workload[]): BenchReport {
  let report: BenchReport
  try {
    report = JSON.parse(text) as BenchReport
  } catch (error) {
    throw new ReadmeError(`${path} is not a bench report: ${(error as Error).message}`)
  }
  if (
    typeof report !== 'object' ||
    report === null ||
    !Array.isArray(report.workloads) ||
    !Array.isArray(report.checks)
  )
    throw new ReadmeError(`${path} is not a bench report (no workloads or checks)`)
  if (report.quick) throw new ReadmeError(`${path} is a --quick run; the READMEs carry a full run`)
  if (report.partial)
    throw new ReadmeError(
      `${path} left out workloads or targets (--only, --targets or --judged); the READMEs carry a full run`,
    )
  const ran = new Set(report.workloads.map((w) => w.id))
  const missing = workloads.filter((w) => !ran.has(w.id)).map((w) => w.id)
  if (missing.length > 0)
    throw new ReadmeError(
      `${path} did not run every workload (missing ${missing.join(', ')}); the READMEs carry a full run`,
    )
  return report
}

/** Files the README update reads and writes, relative to the bench app and the repository root. */
export interface ReadmePaths {
  /** The bench app's directory (`apps/bench`). */
  benchDir: string
  /** The repository's root. */
  rootDir: string
}

/** A README block that differs from what the reports render, or the history copy of the latest run missing. */
export interface StaleReadme {
  path: string
  block: string
}

/**
 * Renders `results/latest.json` into both READMEs' generated blocks, keeps a copy of it in
 * `results/history` and renders the run-to-run table from there. With `from`, that report first becomes
 * `results/latest.json`. With `check`, writes nothing and returns what is stale.
 */
export function updateReadmes(
  paths: ReadmePaths,
  workloads: readonly Workload[],
  options: { from?: string; check?: boolean } = {},
): StaleReadme[] {
  const latest = join(paths.benchDir, 'results', 'latest.json')
  const historyDir = join(paths.benchDir, 'results', 'history')
  if (options.from !== undefined && options.check)
    throw new ReadmeError('--from and --check do not go together: --check writes nothing')
  if (options.from !== undefined) {
    readFullReport(options.from, workloads)
    if (resolve(options.from) !== resolve(latest)) copyFileSync(options.from, latest)
  }
  const latestText = readText(latest)
  const report = fullReport(latestText, latest, workloads)
  const stale: StaleReadme[] = []
  // The latest run is kept in the history too, as the run-to-run table reads it from there.
  const kept = join(historyDir, historyName(report))
  if (!existsSync(kept) || readFileSync(kept, 'utf8') !== latestText) {
    stale.push({ path: kept, block: 'history' })
    if (!options.check) {
      mkdirSync(historyDir, { recursive: true })
      writeFileSync(kept, latestText)
    }
  }
  const history = existsSync(historyDir)
    ? readdirSync(historyDir)
        .filter((name) => name.endsWith('.json'))
        // A kept run may predate a workload added since: its column shows '—' for that workload's checks.
        .map((name) => readFullReport(join(historyDir, name), []))
    : []
  if (!history.some((r) => r.date === report.date)) history.push(report)
  const blocks = readmeBlocks(report, workloads)
  const benchReadme = join(paths.benchDir, 'README.md')
  const files = [
    { path: benchReadme, block: 'tables', content: blocks.bench },
    { path: benchReadme, block: 'history', content: historyTable(history) },
    { path: join(paths.rootDir, 'README.md'), block: 'targets', content: blocks.root },
  ]
  for (const file of files) {
    const text = readFileSync(file.path, 'utf8')
    const next = spliceBlock(text, file.block, file.content, file.path)
    if (next === text) continue
    stale.push({ path: file.path, block: file.block })
    if (!options.check) writeFileSync(file.path, next)
  }
  return stale
}
