import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import type { BenchReport } from '../src/report'
import { WORKLOAD_LIST } from '../src/workloads/registry'

const run = promisify(execFile)
const benchDir = resolve(import.meta.dirname, '..')

// Runs the whole bench in quick mode, against the local Redis, from source (no build needed).
// It checks that every workload ran for every target and produced a well-formed report; never speed.
describe('pnpm --filter @cache/bench bench --quick', () => {
  it('runs every workload and target, prints the tables and writes the JSON report', {
    timeout: 600_000,
  }, async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'cache-bench-')), 'quick.json')
    const { stdout } = await run(
      process.execPath,
      ['--import', 'tsx', 'src/main.ts', '--quick', '--source', '--out', out],
      {
        cwd: benchDir,
        maxBuffer: 16 * 1024 * 1024,
      },
    )
    const report = JSON.parse(readFileSync(out, 'utf8')) as BenchReport

    expect(report.quick).toBe(true)
    expect(report.workloads.map((w) => w.id)).toEqual(WORKLOAD_LIST.map((w) => w.id))
    for (const workload of WORKLOAD_LIST) {
      const results = report.workloads.find((w) => w.id === workload.id)!.results
      expect(Object.keys(results).sort(), workload.id).toEqual([...workload.targets].sort())
      for (const [target, result] of Object.entries(results)) {
        expect(result.errors, `${workload.id} / ${target}`).toEqual([])
        for (const column of workload.columns.filter((c) => !c.optional)) {
          const value = result.median[column.metric]
          expect(
            typeof value === 'number' && Number.isFinite(value),
            `${workload.id} / ${target} / ${column.metric}`,
          ).toBe(true)
        }
      }
      expect(stdout).toContain(`### ${workload.id}: ${workload.title}`)
    }
    expect(report.elapsedMs).toBeGreaterThan(0)
    for (const w of report.workloads) expect(w.elapsedMs, w.id).toBeGreaterThan(0)
    // Each time is rounded to the millisecond on its own: the workloads' sum may pass the run's by 1 each.
    const workloadsMs = report.workloads.reduce((sum, w) => sum + w.elapsedMs!, 0)
    expect(workloadsMs).toBeLessThanOrEqual(report.elapsedMs! + report.workloads.length)
    expect(report.checks.length).toBeGreaterThan(10)
    for (const check of report.checks)
      expect(check.measured, `${check.workload} ${check.target}`).not.toBe('n/a')
    expect(stdout).toMatch(/\| workload +\| target \(ours\) +\| +measured \| status +\|/)
    // Only a full run is offered to the READMEs.
    expect(stdout).not.toContain('bench:readme')
  })
})
