import { runChild } from '../lib/fork'
import type { Mode } from '../targets/types'
import type { RunContext, Workload } from './types'

const LOADER_MS = 20
const CALLERS = 1_000

/** Fires `callers` concurrent getOrSet on one cold key; counts loader calls and total time. */
async function stampede(context: RunContext, callers: number, startAt?: number) {
  const cache = await context.open()
  const key = `stampede:${context.rep}`
  let loaderCalls = 0
  const loader = async () => {
    loaderCalls++
    await new Promise((resolve) => setTimeout(resolve, LOADER_MS))
    return { answer: 42, at: 'loaded' }
  }
  if (startAt !== undefined)
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, startAt - Date.now())))
  const start = performance.now()
  const values = await Promise.all(Array.from({ length: callers }, () => cache.getOrSet(key, loader, 60_000)))
  const totalMs = performance.now() - start
  const wrong = values.filter((v) => (v as { answer?: number } | undefined)?.answer !== 42).length
  if (wrong > 0) throw new Error(`${wrong} callers got a wrong value`)
  return { loaderCalls, totalMs }
}

const columns = [
  { metric: 'loaderCalls', label: 'loader calls', digits: 0 },
  { metric: 'totalMs', label: 'total ms', digits: 1 },
  { metric: 'xLoader', label: 'x loader time', digits: 2 },
] as const

function stampedeWorkload(id: string, title: string, mode: Mode, targets: string[]): Workload {
  return {
    id,
    title,
    mode,
    targets,
    baseline: targets[0]!,
    columns,
    l1Items: 1_000,
    async run(context) {
      const { loaderCalls, totalMs } = await stampede(context, CALLERS)
      return { loaderCalls, totalMs, xLoader: totalMs / LOADER_MS }
    },
  }
}

/** W4 in memory. */
export const w4Memory = stampedeWorkload(
  'W4-mem',
  'Stampede in memory: 1,000 concurrent getOrSet, cold key, 20 ms loader',
  'memory',
  ['ours (@cache/*)', 'lru-cache', 'bentocache', 'cache-manager', 'cacheable', 'cachified'],
)

/** W4 through Redis (L1 + L2, one process). */
export const w4Redis = stampedeWorkload(
  'W4-redis',
  'Stampede through Redis (L1+L2): 1,000 concurrent getOrSet, cold key, 20 ms loader',
  'tiered',
  ['ours (@cache/*)', 'hand-rolled lru+ioredis', 'bentocache', 'cache-manager', 'cacheable', 'cachified'],
)

/** W4 across two processes: 500 callers each, started at the same instant. */
export const w4TwoProcesses: Workload = {
  ...stampedeWorkload(
    'W4-2proc',
    'Stampede across 2 processes (500 callers each) sharing Redis, 20 ms loader',
    'tiered',
    ['ours (@cache/*)', 'bentocache', 'hand-rolled lru+ioredis'],
  ),
  ours: { lock: true },
  async run(context) {
    if (context.args.role === 'helper') {
      return stampede(context, CALLERS / 2, context.args.startAt as number)
    }
    const startAt = Date.now() + 1_500
    const helper = runChild(
      {
        workload: 'W4-2proc',
        target: context.target,
        quick: context.quick,
        runId: context.runId,
        rep: context.rep,
        args: { role: 'helper', startAt },
      },
      { timeoutMs: 30_000 },
    )
    const own = await stampede(context, CALLERS / 2, startAt)
    const other = await helper
    if (!other.ok) throw new Error(`helper process failed: ${other.error}`)
    const loaderCalls = own.loaderCalls + other.metrics.loaderCalls!
    const totalMs = Math.max(own.totalMs, other.metrics.totalMs!)
    return { loaderCalls, totalMs, xLoader: totalMs / LOADER_MS }
  },
}
