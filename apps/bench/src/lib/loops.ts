import { Latencies } from './stats'

/** Result of a timed loop. */
export interface LoopResult {
  ops: number
  elapsedMs: number
  opsPerSec: number
}

/** Result of a CPU-bound loop: throughput per wall second and per CPU second of this process. */
export interface HotLoopResult extends LoopResult {
  cpuMs: number
  /** Operations per CPU second (user + system) of this process: steadier on a shared machine. */
  opsPerCpuSec: number
}

/**
 * Runs `op(i)` one after another, awaiting each result (for sync libraries too, so every target pays
 * the same loop and microtask cost), for `warmupMs` unmeasured and then `durationMs` measured.
 */
export async function hotLoop(
  op: (i: number) => unknown,
  durationMs: number,
  warmupMs: number,
): Promise<HotLoopResult> {
  let i = 0
  const batch = 1024
  const run = async (ms: number) => {
    const start = performance.now()
    const end = start + ms
    let ops = 0
    let now = start
    do {
      for (let j = 0; j < batch; j++) await op(i++)
      ops += batch
      now = performance.now()
    } while (now < end)
    return { ops, elapsedMs: now - start }
  }
  await run(warmupMs)
  const cpuBefore = process.cpuUsage()
  const { ops, elapsedMs } = await run(durationMs)
  const cpu = process.cpuUsage(cpuBefore)
  const cpuMs = (cpu.user + cpu.system) / 1000
  return { ops, elapsedMs, opsPerSec: (ops / elapsedMs) * 1000, cpuMs, opsPerCpuSec: (ops / cpuMs) * 1000 }
}

/** Result of a concurrent loop with per-call latencies. */
export interface ConcurrentResult extends LoopResult {
  latencies: Latencies
}

/**
 * `concurrency` callers each run `op(i)` back to back until `durationMs` has passed; every call's
 * latency is recorded. `i` is a shared counter, so callers walk one sequence together.
 */
export async function concurrentLoop(
  op: (i: number) => Promise<unknown>,
  options: { concurrency: number; durationMs: number; warmupMs: number; onMeasureStart?: () => void },
): Promise<ConcurrentResult> {
  let i = 0
  const run = async (ms: number, latencies: Latencies | undefined) => {
    const start = performance.now()
    const end = start + ms
    let ops = 0
    const worker = async () => {
      while (performance.now() < end) {
        const t0 = performance.now()
        await op(i++)
        latencies?.push(performance.now() - t0)
        ops++
      }
    }
    await Promise.all(Array.from({ length: options.concurrency }, worker))
    return { ops, elapsedMs: performance.now() - start }
  }
  await run(options.warmupMs, undefined)
  options.onMeasureStart?.()
  const latencies = new Latencies()
  const { ops, elapsedMs } = await run(options.durationMs, latencies)
  return { ops, elapsedMs, opsPerSec: (ops / elapsedMs) * 1000, latencies }
}
