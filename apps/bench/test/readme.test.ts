import { execFile } from 'node:child_process'
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'
import { afterEach, describe, expect, it } from 'vitest'
import {
  HISTORY_COLUMNS,
  historyName,
  historyTable,
  ReadmeError,
  readBlock,
  readFullReport,
  readmeBlocks,
  spliceBlock,
  updateReadmes,
} from '../src/readme'
import type { BenchReport } from '../src/report'
import { WORKLOAD_LIST } from '../src/workloads/registry'

const run = promisify(execFile)
const benchDir = resolve(import.meta.dirname, '..')
const rootDir = resolve(benchDir, '../..')
const latestPath = join(benchDir, 'results', 'latest.json')
const historyDir = join(benchDir, 'results', 'history')

describe('spliceBlock and readBlock', () => {
  const text = 'intro\n<!-- bench:t:start -->\nold\n<!-- bench:t:end -->\noutro\n'

  it('replace only what sits between the markers, and read it back', () => {
    const next = spliceBlock(text, 't', '| a |\n')
    expect(next).toBe('intro\n<!-- bench:t:start -->\n\n| a |\n\n<!-- bench:t:end -->\noutro\n')
    expect(readBlock(next, 't')).toBe('| a |')
    expect(spliceBlock(next, 't', '| a |')).toBe(next)
  })

  it('name the missing, repeated or misplaced marker and the file', () => {
    expect(() => spliceBlock(text, 'other', 'x', 'README.md')).toThrow(
      new ReadmeError('README.md has no <!-- bench:other:start --> marker'),
    )
    expect(() => readBlock(`${text}<!-- bench:t:end -->`, 't', 'a.md')).toThrow(
      'a.md has more than one <!-- bench:t:end --> marker',
    )
    expect(() => readBlock('<!-- bench:t:end --> <!-- bench:t:start -->', 't', 'b.md')).toThrow(
      'b.md has <!-- bench:t:end --> before <!-- bench:t:start -->',
    )
  })
})

describe('the READMEs', () => {
  it('carry the tables of results/latest.json, as the bench printed them', () => {
    const blocks = readmeBlocks(readFullReport(latestPath, WORKLOAD_LIST), WORKLOAD_LIST)
    const bench = readBlock(readFileSync(join(benchDir, 'README.md'), 'utf8'), 'tables')
    const root = readBlock(readFileSync(join(rootDir, 'README.md'), 'utf8'), 'targets')
    // On a mismatch: `pnpm --filter @cache/bench bench:readme` renders results/latest.json into both.
    expect(bench).toBe(blocks.bench)
    expect(root).toBe(blocks.root)
    expect(root).toContain('| W5       | stored bytes <= 0.25x JSON')
  })

  it('carry every run of results/history in the run-to-run table, the latest run among them', () => {
    const names = readdirSync(historyDir)
    // A kept run may predate a workload added since (W5-link, session 27).
    const history = names.map((name) => readFullReport(join(historyDir, name), []))
    expect(names).toContain(historyName(readFullReport(latestPath, WORKLOAD_LIST)))
    const table = readBlock(readFileSync(join(benchDir, 'README.md'), 'utf8'), 'history')
    expect(table).toBe(historyTable(history))
    for (const name of names.slice(-HISTORY_COLUMNS)) expect(table).toContain(`(results/history/${name})`)
  })
})

describe('historyTable', () => {
  const latest = () => JSON.parse(readFileSync(latestPath, 'utf8')) as BenchReport
  const lines = (text: string) => text.split('\n').filter((line) => line.startsWith('| '))

  it('puts the newest run first, missed targets in bold, and — where a run lacks a figure', () => {
    const older = latest()
    older.date = '2026-01-02T03:04:00.000Z'
    older.cpuModel = 'Intel(R) Xeon(R) Test'
    older.checks = older.checks.filter((c) => c.workload !== 'W7')
    delete older.elapsedMs
    const newer = latest()
    newer.date = '2026-02-03T04:05:00.000Z'
    newer.elapsedMs = 450_000
    newer.checks = newer.checks.map((c) =>
      c.workload === 'W1' ? { ...c, measured: '0.50x', met: false } : c,
    )
    const text = historyTable([older, newer])
    const rows = lines(text)
    expect(rows[0]).toMatch(/\| +02-03 04:05 \| +01-02 03:04 \|$/)
    const row = (start: string) =>
      rows
        .find((r) => r.startsWith(start))!
        .split('|')
        .map((cell) => cell.trim())
    const measured = (workload: string) => older.checks.find((c) => c.workload === workload)?.measured
    expect(row('| W1 ').slice(3, 5)).toEqual(['**0.50x**', measured('W1')])
    expect(row('| W7 ').slice(3, 5)).toEqual([newer.checks.find((c) => c.workload === 'W7')!.measured, '—'])
    expect(row('| run ').slice(3, 5)).toEqual(['7.5', '—'])
    const ioredis = newer.workloads.find((w) => w.id === 'W2')!.results.ioredis!.median.opsPerSec!
    expect(row('| VM       | bare ioredis').slice(3, 5)).toEqual(
      Array(2).fill(Math.round(ioredis).toLocaleString('en-US')),
    )
    expect(text).toContain(
      '- `01-02 03:04`: 2026-01-02T03:04:00.000Z, 2 x Intel(R) Xeon(R) Test, Node 20.20.2',
    )
    expect(text).toContain('(results/history/2026-01-02T03-04Z-intel-xeon-test.json)')
  })

  it('leaves out a row no run has a figure for, and keeps at most the newest columns', () => {
    const runs = Array.from({ length: HISTORY_COLUMNS + 2 }, (_, i) => ({
      ...latest(),
      date: `2026-03-${String(i + 1).padStart(2, '0')}T00:00:00.000Z`,
      elapsedMs: undefined,
    }))
    const text = historyTable(runs)
    expect(text).not.toContain('| run ')
    expect(lines(text)[0]!.match(/03-\d\d 00:00/g)).toHaveLength(HISTORY_COLUMNS)
    expect(lines(text)[0]).toContain('03-12 00:00')
    expect(lines(text)[0]).not.toContain('03-02 00:00')
  })
})

describe('updateReadmes', () => {
  let dir: string | undefined
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true })
    dir = undefined
  })

  /** A copy of both READMEs and the latest report in a scratch repository layout. */
  function scratch() {
    dir = mkdtempSync(join(tmpdir(), 'bench-readme-'))
    const paths = { benchDir: join(dir, 'apps', 'bench'), rootDir: dir }
    mkdirSync(join(paths.benchDir, 'results'), { recursive: true })
    cpSync(latestPath, join(paths.benchDir, 'results', 'latest.json'))
    cpSync(historyDir, join(paths.benchDir, 'results', 'history'), { recursive: true })
    cpSync(join(benchDir, 'README.md'), join(paths.benchDir, 'README.md'))
    cpSync(join(rootDir, 'README.md'), join(paths.rootDir, 'README.md'))
    return paths
  }
  const latest = () => JSON.parse(readFileSync(latestPath, 'utf8')) as BenchReport

  it('finds nothing stale in the committed READMEs', () => {
    expect(updateReadmes(scratch(), WORKLOAD_LIST, { check: true })).toEqual([])
  })

  it('makes a new report the latest and renders it into both READMEs; --check then passes', () => {
    const paths = scratch()
    const report = latest()
    report.date = '2027-01-01T00:00:00.000Z'
    report.checks[0]!.measured = '9.99x'
    const from = join(dir!, 'new.json')
    writeFileSync(from, JSON.stringify(report))
    const benchReadme = join(paths.benchDir, 'README.md')
    const before = readFileSync(benchReadme, 'utf8')

    expect(updateReadmes(paths, WORKLOAD_LIST, { from }).map((s) => s.block)).toEqual([
      'history',
      'tables',
      'history',
      'targets',
    ])
    expect(JSON.parse(readFileSync(join(paths.benchDir, 'results', 'latest.json'), 'utf8'))).toEqual(report)
    const kept = join(paths.benchDir, 'results', 'history', '2027-01-01T00-00Z-amd-epyc.json')
    expect(JSON.parse(readFileSync(kept, 'utf8'))).toEqual(report)
    expect(readBlock(readFileSync(benchReadme, 'utf8'), 'history')).toMatch(
      /target \(ours\) +\| +01-01 00:00 \|/,
    )
    const after = readFileSync(benchReadme, 'utf8')
    expect(readBlock(after, 'tables')).toContain('Run 2027-01-01T00:00:00.000Z')
    expect(readBlock(readFileSync(join(paths.rootDir, 'README.md'), 'utf8'), 'targets')).toContain('9.99x')
    // Everything outside the markers is left as it was.
    expect(after.split('<!-- bench:tables:start -->')[0]).toBe(before.split('<!-- bench:tables:start -->')[0])
    const between = (text: string) =>
      text.split('<!-- bench:tables:end -->')[1]!.split('<!-- bench:history:start -->')[0]
    const tail = (text: string) => text.split('<!-- bench:history:end -->')[1]
    expect(between(after)).toBe(between(before))
    expect(tail(after)).toBe(tail(before))
    expect(updateReadmes(paths, WORKLOAD_LIST, { check: true })).toEqual([])
  })

  it('keeps a run rendered without --from (as `pnpm bench` wrote it) in the history', () => {
    const paths = scratch()
    const report = { ...latest(), date: '2027-02-02T02:02:00.000Z' }
    writeFileSync(join(paths.benchDir, 'results', 'latest.json'), JSON.stringify(report))
    const kept = join(paths.benchDir, 'results', 'history', '2027-02-02T02-02Z-amd-epyc.json')
    expect(updateReadmes(paths, WORKLOAD_LIST, { check: true })).toContainEqual({
      path: kept,
      block: 'history',
    })
    expect(existsSync(kept)).toBe(false)
    updateReadmes(paths, WORKLOAD_LIST)
    expect(JSON.parse(readFileSync(kept, 'utf8'))).toEqual(report)
    expect(updateReadmes(paths, WORKLOAD_LIST, { check: true })).toEqual([])
  })

  it('reports a stale README with --check and writes nothing', () => {
    const paths = scratch()
    const readme = join(paths.rootDir, 'README.md')
    const stale = readFileSync(readme, 'utf8').replace('| met    |', '| MISSED |')
    writeFileSync(readme, stale)
    expect(updateReadmes(paths, WORKLOAD_LIST, { check: true })).toEqual([{ path: readme, block: 'targets' }])
    expect(readFileSync(readme, 'utf8')).toBe(stale)
  })

  it('refuses a quick, partial or unreadable report and leaves latest.json as it was', () => {
    const paths = scratch()
    const write = (name: string, body: string) => {
      const path = join(dir!, name)
      writeFileSync(path, body)
      return path
    }
    const quick = { ...latest(), quick: true }
    const partial = { ...latest(), workloads: latest().workloads.filter((w) => w.id !== 'W5') }
    const cases: [string, string][] = [
      [write('quick.json', JSON.stringify(quick)), 'is a --quick run; the READMEs carry a full run'],
      [write('partial.json', JSON.stringify(partial)), 'did not run every workload (missing W5)'],
      [write('judged.json', JSON.stringify({ ...latest(), partial: true })), 'left out workloads or targets'],
      [write('empty.json', '{}'), 'is not a bench report (no workloads or checks)'],
      [write('broken.json', '{"date":'), 'is not a bench report: '],
      [join(dir!, 'missing.json'), `cannot read ${join(dir!, 'missing.json')}: ENOENT`],
    ]
    for (const [from, message] of cases) {
      expect(() => updateReadmes(paths, WORKLOAD_LIST, { from })).toThrow(message)
      expect(readFileSync(join(paths.benchDir, 'results', 'latest.json'), 'utf8')).toBe(
        readFileSync(latestPath, 'utf8'),
      )
    }
    expect(() => updateReadmes(paths, WORKLOAD_LIST, { from: cases[0]![0], check: true })).toThrow(
      '--from and --check do not go together',
    )
  })
})

describe('bench:readme', () => {
  const script = (...args: string[]) =>
    run(process.execPath, ['--import', 'tsx', join(benchDir, 'scripts', 'readme.ts'), ...args], {
      cwd: benchDir,
    })

  it('finds the committed READMEs up to date', async () => {
    const { stdout } = await script('--check')
    expect(stdout).toBe('READMEs match results/latest.json\n')
  })

  it('exits with 2 and a message on a bad option or report, writing nothing', async () => {
    await expect(script('--bogus')).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringContaining("'--bogus'"),
    })
    await expect(script('--from', 'no-such-report.json')).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringContaining('no-such-report.json: ENOENT'),
    })
  })
})
