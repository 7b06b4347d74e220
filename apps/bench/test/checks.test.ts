import { describe, expect, it } from 'vitest'
import { type Check, checkedTargets, evaluate, type WorkloadMedians } from '../src/checks'
import { OURS, OURS_MAX_COMPRESSION, OURS_NO_COMPRESSION, PEERS } from '../src/targets/names'

// A run where every target is met exactly at (or just inside) its limit; each test changes one figure.
function passingRun(): Record<string, WorkloadMedians> {
  const stampede = { loaderCalls: 1, freshLoaderCalls: 1, xLoader: 1.5, freshXLoader: 3 }
  return {
    W1: { [OURS]: { opsPerSec: 75 }, 'lru-cache': { opsPerSec: 100 } },
    W1b: { [OURS]: { opsPerSec: 60 }, 'lru-cache': { opsPerSec: 100 } },
    W2: {
      [OURS]: { opsPerSec: 95, p99Ms: 1.2 },
      ioredis: { opsPerSec: 100, p99Ms: 1 },
      'cache-manager': { opsPerSec: 94, p99Ms: 1 },
    },
    W3: {
      [OURS]: { opsPerSec: 150, l1HitRatio: 0.6 },
      'hand-rolled lru+ioredis': { opsPerSec: 200 },
      bentocache: { opsPerSec: 40 },
      'cache-manager': { opsPerSec: 100 },
      cacheable: { opsPerSec: 60 },
    },
    'W4-mem': { [OURS]: { ...stampede } },
    'W4-redis': { [OURS]: { ...stampede } },
    'W4-2proc': { [OURS]: { ...stampede } },
    W5: {
      ioredis: { opsPerSec: 100 },
      [OURS]: { opsPerSec: 90, storedRatio: 0.25 },
      [OURS_NO_COMPRESSION]: { opsPerSec: 150, storedRatio: 1 },
      [OURS_MAX_COMPRESSION]: { opsPerSec: 1, storedRatio: 0.24 },
    },
    'W5-link': { ioredis: { opsPerSec: 100 }, [OURS]: { opsPerSec: 165 } },
    W6: {
      ioredis: { opsPerSec: 100 },
      [OURS]: {
        opsPerSec: 50,
        loaderCallsPerBatch: 1,
        keysPerLoaderCall: 50,
        l2ReadsPerBatch: 1,
        l2WritesPerBatch: 1,
      },
    },
    W6b: { ioredis: { opsPerSec: 100 }, [OURS]: { opsPerSec: 50 } },
    W7: { [OURS]: { maxLatencyMs: 400, recoveryMs: 1_200, recovered: 1 } },
  }
}

function find(checks: Check[], workload: string, start: string): Check {
  const found = checks.filter((c) => c.workload === workload && c.target.startsWith(start))
  expect(found, `${workload} ${start}`).toHaveLength(1)
  return found[0]!
}

describe('evaluate (the targets of issue 7)', () => {
  it('meets every target at its limit and leaves the info rows unjudged', () => {
    const checks = evaluate(passingRun())
    for (const c of checks) {
      if (c.info) expect(c.met, `${c.workload} ${c.target}`).toBeNull()
      else expect(c.met, `${c.workload} ${c.target}`).toBe(true)
    }
    expect(checks.filter((c) => c.info).map((c) => c.workload)).toEqual([
      'W3',
      'W4-mem',
      'W4-redis',
      'W4-2proc',
      'W5-link',
      'W6',
      'W6b',
    ])
    expect(find(checks, 'W1', 'ops').measured).toBe('0.75x')
    expect(find(checks, 'W5-link', 'ops/s vs bare ioredis across 1 Gbit/s').measured).toBe('1.65x')
    expect(find(checks, 'W5', 'stored bytes <= 0.25x JSON, default').measured).toBe('0.250')
  })

  it('misses each ratio target just past its limit', () => {
    const cases: [string, string, (run: Record<string, WorkloadMedians>) => void][] = [
      ['W1', 'ops', (r) => (r.W1![OURS]!.opsPerSec = 74.9)],
      ['W1b', 'ops', (r) => (r.W1b![OURS]!.opsPerSec = 59.9)],
      ['W2', 'ops/s >= 0.95x', (r) => (r.W2![OURS]!.opsPerSec = 94.9)],
      ['W2', 'p99', (r) => (r.W2![OURS]!.p99Ms = 1.21)],
      ['W2', 'stretch', (r) => (r.W2!['cache-manager']!.opsPerSec = 95)],
      ['W3', 'ops/s >= 1.5x best peer', (r) => (r.W3!.cacheable!.opsPerSec = 101)],
      ['W3', 'ops/s >= 0.7x hand-rolled', (r) => (r.W3!['hand-rolled lru+ioredis']!.opsPerSec = 215)],
      ['W4-redis', 'total time <=', (r) => (r['W4-redis']![OURS]!.xLoader = 1.51)],
      ['W5', 'ops/s >= 0.9x bare ioredis (JSON), default', (r) => (r.W5![OURS]!.opsPerSec = 89.9)],
      ['W5', 'stored bytes <= 0.25x JSON, default', (r) => (r.W5![OURS]!.storedRatio = 0.251)],
      ['W5', 'ops/s >= 0.9x bare ioredis (JSON), no', (r) => (r.W5![OURS_NO_COMPRESSION]!.opsPerSec = 89)],
      ['W5', 'stored bytes <= 0.25x JSON, max', (r) => (r.W5![OURS_MAX_COMPRESSION]!.storedRatio = 0.26)],
      ['W7', 'max call', (r) => (r.W7![OURS]!.maxLatencyMs = 401)],
      ['W7', 'back to normal', (r) => (r.W7![OURS]!.recoveryMs = 1_201)],
    ]
    for (const [workload, start, change] of cases) {
      const run = passingRun()
      change(run)
      const checks = evaluate(run)
      expect(find(checks, workload, start).met, `${workload} ${start}`).toBe(false)
      // Only the changed target moved.
      expect(checks.filter((c) => c.met === false)).toHaveLength(1)
    }
  })

  it('misses a stampede with a second loader call in either process', () => {
    for (const field of ['loaderCalls', 'freshLoaderCalls']) {
      const run = passingRun()
      run['W4-2proc']![OURS]![field] = 2
      const check = find(evaluate(run), 'W4-2proc', 'exactly 1 loader call')
      expect(check).toMatchObject({ met: false, measured: '2' })
    }
  })

  it('misses a batch read-through that loads or reads more than once per batch', () => {
    const changes: [string, string, number][] = [
      ['exactly 1 loader call', 'loaderCallsPerBatch', 1.5],
      ['exactly 1 loader call', 'keysPerLoaderCall', 100],
      ['exactly 1 L2 round trip', 'l2ReadsPerBatch', 2],
      ['exactly 1 L2 round trip', 'l2WritesPerBatch', 50],
    ]
    for (const [start, metric, value] of changes) {
      const run = passingRun()
      run.W6![OURS]![metric] = value
      expect(find(evaluate(run), 'W6', start).met, metric).toBe(false)
    }
    expect(find(evaluate(passingRun()), 'W6', 'exactly 1 loader call').measured).toBe(
      '1.00 calls of 50.0 keys',
    )
  })

  it('reports an outage run that never recovered as missed, not as a number', () => {
    const run = passingRun()
    run.W7![OURS]!.recovered = 0
    expect(find(evaluate(run), 'W7', 'back to normal')).toMatchObject({
      met: false,
      measured: 'not within the run',
    })
  })

  it('leaves a target unjudged (n/a) when a run lacks its figures', () => {
    const run = passingRun()
    delete run.W2!.ioredis
    delete run.W5![OURS_MAX_COMPRESSION]
    run.W3 = {}
    const checks = evaluate(run)
    for (const [workload, start] of [
      ['W2', 'ops/s >= 0.95x'],
      ['W2', 'p99'],
      ['W3', 'ops/s >= 1.5x best peer'],
      ['W5', 'stored bytes <= 0.25x JSON, max'],
    ] as const) {
      expect(find(checks, workload, start)).toMatchObject({ met: null, measured: 'n/a' })
    }
    expect(find(checks, 'W2', 'stretch').met).toBe(true)
  })
})

describe('checkedTargets', () => {
  it('names, per workload, exactly the targets whose figures some check reads', () => {
    const sorted = (set: ReadonlySet<string> | undefined) => [...(set ?? [])].sort()
    const checked = checkedTargets()
    expect(Object.fromEntries(Object.entries(checked).map(([w, set]) => [w, sorted(set)]))).toEqual({
      W1: [OURS, 'lru-cache'].sort(),
      W1b: [OURS, 'lru-cache'].sort(),
      W2: [OURS, 'ioredis', 'cache-manager'].sort(),
      W3: [OURS, 'hand-rolled lru+ioredis', ...PEERS].sort(),
      'W4-mem': [OURS],
      'W4-redis': [OURS],
      'W4-2proc': [OURS],
      W5: [OURS, 'ioredis', OURS_NO_COMPRESSION, OURS_MAX_COMPRESSION].sort(),
      'W5-link': [OURS, 'ioredis'].sort(),
      W6: [OURS, 'ioredis'].sort(),
      W6b: [OURS, 'ioredis'].sort(),
      W7: [OURS],
    })
  })
})
