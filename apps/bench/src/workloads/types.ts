import type { BenchCache, Mode, OursOptions } from '../targets/types'

/** What a workload gets in the child process. */
export interface RunContext {
  quick: boolean
  /** Redis key prefix owned by this child; ends with ':'. */
  prefix: string
  redisUrl: string
  rep: number
  /** Id shared by every child of one bench run. */
  runId: string
  target: string
  /** Creates the target's cache for this workload (overrides e.g. the Redis URL). */
  open(overrides?: { redisUrl?: string; prefix?: string }): Promise<BenchCache>
  /** Extra arguments from the parent (used by multi-process workloads). */
  args: Record<string, unknown>
}

/** A column of a workload's table. */
export interface Column {
  metric: string
  label: string
  /** Digits after the decimal point. */
  digits: number
  /** Only some targets can report it (e.g. the L1 hit ratio). */
  optional?: boolean
}

/** One benchmark scenario, run once per target per repetition in a fresh child process. */
export interface Workload {
  id: string
  title: string
  mode: Mode
  targets: readonly string[]
  /** Target the ratio column compares to. */
  baseline: string
  /** Metric of the ratio column; higher is better unless `lowerIsBetter`. */
  ratioMetric?: string
  lowerIsBetter?: boolean
  columns: readonly Column[]
  /** L1 capacity in entries. */
  l1Items: number
  /**
   * Full runs repeat this workload at least this often (each repetition is a fresh process). For
   * workloads whose speed depends on where one process's heap happens to lay out its objects.
   */
  minReps?: number
  /**
   * The targets `minReps` applies to: those a target of issue 7 reads (ours and what it is compared with).
   * The others run `--reps` times, as in every workload. @default every target
   */
  minRepsFor?: readonly string[]
  ours?: OursOptions
  /**
   * Run each child in a network namespace of its own with its own Redis, across a link the kernel holds
   * to `megabitsPerSecond` each way (src/lib/shaper.ts; needs `unshare`, `tc` and root or user namespaces).
   */
  network?: { megabitsPerSecond: number }
  run(context: RunContext): Promise<Record<string, number>>
}
