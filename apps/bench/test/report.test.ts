import { describe, expect, it } from 'vitest'
import { type BenchReport, markdown, renderTable, type TargetResult, workloadTable } from '../src/report'
import { OURS } from '../src/targets/names'
import { WORKLOADS } from '../src/workloads/registry'

function result(reps: number): TargetResult {
  const figures = Array.from({ length: reps }, (_, i) => ({ opsPerSec: 100 + i, p99Ms: 1 }))
  return { median: figures[Math.floor(reps / 2)]!, reps: figures, errors: [] }
}

function report(repsByWorkload: Record<string, number>, reps = 3): BenchReport {
  return {
    date: '2026-12-06T21:00:00.000Z',
    command: 'pnpm bench',
    quick: false,
    reps,
    node: '20.20.2',
    cpus: 2,
    cpuModel: 'test CPU',
    checks: [],
    workloads: Object.entries(repsByWorkload).map(([id, runs]) => ({
      id,
      title: WORKLOADS[id]!.title,
      baseline: WORKLOADS[id]!.baseline,
      results: { [OURS]: result(runs) },
    })),
  }
}

const firstLine = (text: string) => text.split('\n')[0]

describe('markdown report header', () => {
  it('names the workloads that ran more repetitions than --reps, grouped by count', () => {
    const text = markdown(report({ W1: 5, W2: 5, W3: 3, 'W4-2proc': 7 }), Object.values(WORKLOADS))
    expect(firstLine(text)).toContain('median of 3 repetition(s) (5 for W1, W2; 7 for W4-2proc),')
    expect(text).toContain('### W1: ')
    expect(text).toMatch(/### W2: .*\(median of 5 repetitions\)/)
    expect(text).not.toMatch(/### W3: .*median of/)
  })

  it('says which targets ran the minimum when the others ran --reps', () => {
    const base = report({ W2: 5 })
    base.workloads[0]!.results.ioredis = result(5)
    base.workloads[0]!.results.bentocache = result(3)
    const text = markdown(base, Object.values(WORKLOADS))
    expect(firstLine(text)).toContain('median of 3 repetition(s) (5 for the targets judged in W2),')
    expect(text).toContain(
      `### W2: ${WORKLOADS.W2!.title} (median of 5 repetitions for ${OURS}, ioredis; 3 for the others)`,
    )
  })

  it('adds nothing when every workload ran --reps repetitions', () => {
    const text = markdown(report({ W1: 8, W3: 8 }, 8), Object.values(WORKLOADS))
    expect(firstLine(text)).toContain('median of 8 repetition(s), Node 20.20.2')
  })
})

describe('tables', () => {
  it('pad every column to its widest cell, figures to the right', () => {
    expect(
      renderTable(
        ['target', 'ops/s'],
        [
          ['ours', '1,234,567'],
          ['lru-cache', '9'],
        ],
        ['left', 'right'],
      ),
    ).toBe(
      [
        '| target    |     ops/s |',
        '| --------- | --------: |',
        '| ours      | 1,234,567 |',
        '| lru-cache |         9 |',
      ].join('\n'),
    )
  })

  it('escape pipes inside a cell and fill missing cells', () => {
    expect(renderTable(['a', 'b'], [['x | y']], ['left', 'left'])).toBe(
      ['| a      | b   |', '| ------ | --- |', '| x \\| y |     |'].join('\n'),
    )
  })

  it('keep a failed target in its row, with the first line of its error', () => {
    const failed: TargetResult = { median: {}, reps: [], errors: ['ECONNREFUSED 127.0.0.1:1 | x\nstack'] }
    const text = workloadTable(WORKLOADS.W2!, { ioredis: result(3), [OURS]: failed })
    const rows = text.split('\n')
    expect(rows).toHaveLength(4)
    expect(rows[3]).toMatch(/^\| ours \(@cache\/\*\) \(failed: ECONNREFUSED 127\.0\.0\.1:1 \\\| x\) \| +— \|/)
    expect(new Set(rows.map((row) => row.length)).size).toBe(1)
  })
})
