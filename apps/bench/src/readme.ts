import { copyFileSync, readFileSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { type BenchReport, checksTable, markdown, runLine } from './report'
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

/** Reads a report a full `pnpm bench` run wrote; a quick or partial one cannot stand for the READMEs. */
export function readFullReport(path: string, workloads: readonly Workload[]): BenchReport {
  let report: BenchReport
  try {
    report = JSON.parse(readFileSync(path, 'utf8')) as BenchReport
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

/** A README whose generated block differs from what `results/latest.json` renders. */
export interface StaleReadme {
  path: string
  block: string
}

/**
 * Renders `results/latest.json` into both READMEs' generated blocks. With `from`, that report first
 * becomes `results/latest.json`. With `check`, writes nothing and returns the READMEs that are stale.
 */
export function updateReadmes(
  paths: ReadmePaths,
  workloads: readonly Workload[],
  options: { from?: string; check?: boolean } = {},
): StaleReadme[] {
  const latest = join(paths.benchDir, 'results', 'latest.json')
  if (options.from !== undefined && options.check)
    throw new ReadmeError('--from and --check do not go together: --check writes nothing')
  if (options.from !== undefined) {
    readFullReport(options.from, workloads)
    if (resolve(options.from) !== resolve(latest)) copyFileSync(options.from, latest)
  }
  const blocks = readmeBlocks(readFullReport(latest, workloads), workloads)
  const files = [
    { path: join(paths.benchDir, 'README.md'), block: 'tables', content: blocks.bench },
    { path: join(paths.rootDir, 'README.md'), block: 'targets', content: blocks.root },
  ]
  const stale: StaleReadme[] = []
  for (const file of files) {
    const text = readFileSync(file.path, 'utf8')
    const next = spliceBlock(text, file.block, file.content, file.path)
    if (next === text) continue
    stale.push({ path: file.path, block: file.block })
    if (!options.check) writeFileSync(file.path, next)
  }
  return stale
}
