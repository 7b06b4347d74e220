import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import {
  ReadmeError,
  readBlock,
  readFullReport,
  readmeBlocks,
  spliceBlock,
  updateReadmes,
} from '../src/readme'
import type { BenchReport } from '../src/report'
import { WORKLOAD_LIST } from '../src/workloads/registry'

const benchDir = resolve(import.meta.dirname, '..')
const rootDir = resolve(benchDir, '../..')
const latestPath = join(benchDir, 'results', 'latest.json')

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

    expect(updateReadmes(paths, WORKLOAD_LIST, { from }).map((s) => s.block)).toEqual(['tables', 'targets'])
    expect(JSON.parse(readFileSync(join(paths.benchDir, 'results', 'latest.json'), 'utf8'))).toEqual(report)
    const after = readFileSync(benchReadme, 'utf8')
    expect(readBlock(after, 'tables')).toContain('Run 2027-01-01T00:00:00.000Z')
    expect(readBlock(readFileSync(join(paths.rootDir, 'README.md'), 'utf8'), 'targets')).toContain('9.99x')
    // Everything outside the markers is left as it was.
    expect(after.split('<!-- bench:tables:start -->')[0]).toBe(before.split('<!-- bench:tables:start -->')[0])
    expect(after.split('<!-- bench:tables:end -->')[1]).toBe(before.split('<!-- bench:tables:end -->')[1])
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
      [write('empty.json', '{}'), 'is not a bench report (no workloads or checks)'],
      [write('broken.json', '{"date":'), 'is not a bench report: '],
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
