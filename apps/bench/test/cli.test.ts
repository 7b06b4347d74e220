import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { judgedTargets, parseCli, repetitionsOf, reportPath, UsageError, usage } from '../src/cli'
import type { BenchReport } from '../src/report'
import { OURS } from '../src/targets/names'
import { WORKLOAD_LIST, WORKLOADS } from '../src/workloads/registry'

const run = promisify(execFile)
const benchDir = resolve(import.meta.dirname, '..')

describe('bench command line', () => {
  it('runs a workload minimum only for the targets a check reads, and never in quick runs', () => {
    const full = { quick: false, reps: 3 }
    const w2 = WORKLOADS.W2!
    expect(['ours (@cache/*)', 'ioredis', 'cache-manager'].map((t) => repetitionsOf(w2, t, full))).toEqual([
      5, 5, 5,
    ])
    expect(repetitionsOf(w2, 'bentocache', full)).toBe(3)
    expect(repetitionsOf(w2, 'bentocache', { quick: false, reps: 7 })).toBe(7)
    expect(repetitionsOf(w2, 'ioredis', { quick: true, reps: 1 })).toBe(1)
    // Without minRepsFor the minimum covers every target; without minReps nothing changes.
    expect(repetitionsOf({ ...w2, minRepsFor: undefined }, 'bentocache', full)).toBe(5)
    expect(repetitionsOf(WORKLOADS.W3!, 'ours (@cache/*)', full)).toBe(3)
    for (const id of ['W4-mem', 'W4-redis', 'W4-2proc']) {
      expect(repetitionsOf(WORKLOADS[id]!, 'ours (@cache/*)', full), id).toBe(5)
      expect(repetitionsOf(WORKLOADS[id]!, 'bentocache', full), id).toBe(3)
    }
  })

  it('defaults to every workload, 3 repetitions, and 1 with --quick', () => {
    expect(parseCli([], WORKLOAD_LIST)).toEqual({
      quick: false,
      reps: 3,
      workloads: WORKLOAD_LIST,
      targets: undefined,
      judged: false,
      partial: false,
      out: undefined,
      source: false,
    })
    expect(parseCli(['--quick'], WORKLOAD_LIST)).toMatchObject({ quick: true, reps: 1 })
  })

  it('takes the options after a leading `--`, as `pnpm bench -- --quick` passes them', () => {
    expect(parseCli(['--', '--quick', '--only', 'W2'], WORKLOAD_LIST)).toMatchObject({
      quick: true,
      workloads: [WORKLOADS.W2],
    })
    expect(() => parseCli(['--quick', '--', 'W2'], WORKLOAD_LIST)).toThrow(UsageError)
  })

  it('writes --out relative to where the command was run (INIT_CWD), else to results/', () => {
    const bench = resolve('/repo/apps/bench')
    const root = { INIT_CWD: resolve('/repo') }
    const full = { quick: false, partial: false }
    expect(reportPath({ ...full, out: 'x.json' }, bench, root)).toBe(resolve('/repo/x.json'))
    expect(reportPath({ ...full, out: '/tmp/y.json' }, bench, root)).toBe(resolve('/tmp/y.json'))
    expect(reportPath({ ...full, out: 'x.json' }, bench, {})).toBe(resolve(process.cwd(), 'x.json'))
    expect(reportPath({ ...full, out: undefined }, bench, root)).toBe(
      resolve(bench, 'results', 'latest.json'),
    )
    expect(reportPath({ ...full, quick: true, out: undefined }, bench, root)).toBe(
      resolve(bench, 'results', 'quick.json'),
    )
    // Only a full run replaces the report the READMEs carry.
    expect(reportPath({ quick: false, partial: true, out: undefined }, bench, root)).toBe(
      resolve(bench, 'results', 'partial.json'),
    )
    expect(reportPath({ quick: true, partial: true, out: 'x.json' }, bench, root)).toBe(
      resolve('/repo/x.json'),
    )
  })

  it('keeps the chosen workloads in run order and the chosen targets', () => {
    const options = parseCli(['--only', 'W6b, W2', '--targets', 'ioredis', '--reps', '5'], WORKLOAD_LIST)!
    expect(options.workloads.map((w) => w.id)).toEqual(['W2', 'W6b'])
    expect(options.targets).toEqual(['ioredis'])
    expect(options.reps).toBe(5)
    expect(options.partial).toBe(true)
    expect(parseCli([], WORKLOAD_LIST)!.partial).toBe(false)
    expect(parseCli(['--only', WORKLOAD_LIST.map((w) => w.id).join(',')], WORKLOAD_LIST)!.partial).toBe(false)
    expect(parseCli(['--targets', 'ioredis'], WORKLOAD_LIST)!.partial).toBe(true)
    expect(parseCli(['--judged'], WORKLOAD_LIST)).toMatchObject({ judged: true, partial: true })
  })

  it('names an unknown workload, target, repetition count or flag, and what is accepted', () => {
    const error = (argv: string[]) => {
      try {
        parseCli(argv, WORKLOAD_LIST)
      } catch (caught) {
        expect(caught).toBeInstanceOf(UsageError)
        return (caught as Error).message
      }
      throw new Error(`no error for ${argv.join(' ')}`)
    }
    expect(error(['--only', 'W9,W2'])).toMatch(/unknown workload "W9"; known: W1, W1b, W2/)
    expect(error(['--only', 'W1', '--targets', 'ioredis'])).toMatch(
      /no workload chosen runs "ioredis"; they run: lru-cache/,
    )
    expect(error(['--only', ','])).toMatch(/--only expects a comma-separated list/)
    for (const reps of ['0', '-1', '1.5', 'three', '101']) expect(error(['--reps', reps])).toMatch(/--reps/)
    expect(error(['--fast'])).toMatch(/--fast/)
  })

  it('--help lists every workload and target; a bad flag exits with 2 and the usage', async () => {
    expect(parseCli(['--help'], WORKLOAD_LIST)).toBeUndefined()
    const text = usage(WORKLOAD_LIST)
    for (const workload of WORKLOAD_LIST) expect(text).toContain(workload.id)
    for (const target of WORKLOAD_LIST.flatMap((w) => w.targets)) expect(text).toContain(target)
    const main = ['--import', 'tsx', 'src/main.ts']
    const help = await run(process.execPath, [...main, '--help'], { cwd: benchDir })
    expect(help.stdout).toContain('Usage: pnpm --filter @cache/bench bench')
    const bad = await run(process.execPath, [...main, '--only', 'W9'], { cwd: benchDir }).catch(
      (failed: { code: number; stderr: string }) => failed,
    )
    expect(bad).toMatchObject({ code: 2 })
    expect((bad as { stderr: string }).stderr).toMatch(/unknown workload "W9"[\s\S]*Usage:/)
  })

  it('--judged runs only the targets the checks read, and --targets must name one of them', () => {
    expect(judgedTargets(WORKLOADS.W1!)).toEqual(['lru-cache', OURS])
    expect(judgedTargets(WORKLOADS.W3!)).toEqual(WORKLOADS.W3!.targets)
    expect(judgedTargets(WORKLOADS.W7!)).toEqual([OURS])
    expect(parseCli(['--judged', '--targets', 'ioredis', '--only', 'W2'], WORKLOAD_LIST)!.targets).toEqual([
      'ioredis',
    ])
    expect(() => parseCli(['--judged', '--targets', 'bentocache', '--only', 'W2'], WORKLOAD_LIST)).toThrow(
      new UsageError(
        `--targets: no workload chosen runs "bentocache" with --judged; they run: ioredis, ${OURS}, cache-manager`,
      ),
    )
  })

  it('--judged runs every check with fewer targets', { timeout: 120_000 }, async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'cache-bench-')), 'judged.json')
    await run(
      process.execPath,
      [
        '--import',
        'tsx',
        'src/main.ts',
        '--quick',
        '--source',
        '--judged',
        '--only',
        'W4-mem,W6b',
        '--out',
        out,
      ],
      { cwd: benchDir },
    )
    const report = JSON.parse(readFileSync(out, 'utf8')) as BenchReport
    expect(report.partial).toBe(true)
    expect(Object.keys(report.workloads[0]!.results)).toEqual([OURS])
    expect(Object.keys(report.workloads[1]!.results).sort()).toEqual(['ioredis', OURS].sort())
    expect(report.checks.length).toBe(4)
    for (const check of report.checks) expect(check.measured, check.target).not.toBe('n/a')
  })

  it('--only reports the targets of the chosen workloads alone', { timeout: 120_000 }, async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'cache-bench-')), 'only.json')
    const { stdout } = await run(
      process.execPath,
      ['--import', 'tsx', 'src/main.ts', '--quick', '--source', '--only', 'W1b', '--out', out],
      { cwd: benchDir },
    )
    const report = JSON.parse(readFileSync(out, 'utf8')) as BenchReport
    expect(report.workloads.map((w) => w.id)).toEqual(['W1b'])
    expect(report.checks.length).toBeGreaterThan(0)
    expect(new Set(report.checks.map((c) => c.workload))).toEqual(new Set(['W1b']))
    expect(stdout).not.toMatch(/\| W2 \|/)
  })
})
