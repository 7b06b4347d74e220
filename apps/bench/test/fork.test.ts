import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { delimiter, join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { runChild } from '../src/lib/fork'

// The child from TypeScript source, as `--source` runs it.
const execArgv = ['--conditions=source', '--import', 'tsx']

describe('runChild in a private network', () => {
  const path = process.env.PATH
  afterEach(() => {
    process.env.PATH = path
  })

  it('fails with what a private network needs when the namespace cannot be made', async () => {
    // An unshare that refuses, as in a container without the right to make namespaces.
    const bin = mkdtempSync(join(tmpdir(), 'cache-fork-'))
    writeFileSync(
      join(bin, 'unshare'),
      '#!/bin/sh\necho "unshare: unshare failed: Operation not permitted" >&2\nexit 1\n',
    )
    chmodSync(join(bin, 'unshare'), 0o755)
    process.env.PATH = `${bin}${delimiter}${path}`
    try {
      const result = await runChild(
        { workload: 'W5-link', target: 'ioredis', quick: true, runId: 'fork0', rep: 0, network: {} },
        { timeoutMs: 10_000, execArgv },
      )
      expect(result).toEqual({
        ok: false,
        error:
          'exited with 1 before reporting (a private network needs unshare, ip and tc, redis-server, and root or user namespaces)',
      })
    } finally {
      rmSync(bin, { recursive: true, force: true })
    }
  })

  it('runs the child there, against its own Redis across the link it asks for', {
    timeout: 60_000,
  }, async () => {
    const result = await runChild(
      {
        workload: 'W5-link',
        target: 'ioredis',
        quick: true,
        runId: 'fork1',
        rep: 0,
        network: { megabitsPerSecond: 100 },
      },
      { timeoutMs: 60_000, execArgv },
    )
    expect(result.ok).toBe(true)
    const metrics = (result as { metrics: Record<string, number> }).metrics
    // Bare ioredis stores the JSON as it is, and every read and write crossed the shaped link.
    expect(metrics.storedRatio).toBeCloseTo(1, 2)
    expect(metrics.linkBytesFromRedis).toBeGreaterThan(1_000_000)
    expect(metrics.linkBytesToRedis).toBeGreaterThan(1_000_000)
  })
})
