import { resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { checkedTargets } from './checks'
import type { Workload } from './workloads/types'

/** What `main.ts` runs, parsed from its command line. */
export interface BenchOptions {
  quick: boolean
  reps: number
  /** Workload ids to run, in the registry's order; all of them without `--only`. */
  workloads: readonly Workload[]
  /** Target names to keep; `undefined` keeps every target. */
  targets: readonly string[] | undefined
  /** Only the targets the checks read (`--judged`): every target in the checks table, fewer peers. */
  judged: boolean
  /** Some workload or target left out (`--only`, `--targets`, `--judged`): the report is not a full run. */
  partial: boolean
  out: string | undefined
  source: boolean
}

/** The command line was wrong: `main.ts` prints the message and the usage, and exits with 2. */
export class UsageError extends Error {
  override name = 'UsageError'
}

/** `--help` output, listing the workload ids and target names `workloads` accepts. */
export function usage(workloads: readonly Workload[]): string {
  return [
    'Usage: pnpm --filter @cache/bench bench [options]',
    '',
    'Options:',
    '  --quick            short windows and 1 repetition (what CI runs; checks that it runs, not speed)',
    '  --reps N           repetitions per target (default 3, 1 with --quick); figures are medians',
    '  --only IDS         comma-separated workload ids to run (default: all)',
    '  --targets NAMES    comma-separated target names to run (default: all of each workload)',
    '  --judged           only the targets the checks read: the whole targets table in about half the time',
    '  --out FILE         where to write the JSON report (default: results/latest.json; results/quick.json',
    '                     with --quick, results/partial.json with --only, --targets or --judged)',
    '  --source           run our packages from TypeScript source (needs: node --import tsx src/main.ts)',
    '  --help             this text',
    '',
    `Workloads: ${workloads.map((w) => w.id).join(', ')}`,
    `Targets: ${[...targetNames(workloads)].join(', ')}`,
  ].join('\n')
}

/** Parses `argv` (without node and the script); `undefined` when `--help` was asked for. */
export function parseCli(argv: readonly string[], known: readonly Workload[]): BenchOptions | undefined {
  let values: ReturnType<typeof parse>['values']
  try {
    // `pnpm bench -- --quick` passes the `--` on (npm drops it); parseArgs would take what follows as
    // positionals and reject them.
    values = parse(argv[0] === '--' ? argv.slice(1) : argv).values
  } catch (error) {
    throw new UsageError((error as Error).message)
  }
  if (values.help) return undefined
  const quick = values.quick ?? false
  const reps = values.reps === undefined ? (quick ? 1 : 3) : Number(values.reps)
  if (!Number.isInteger(reps) || reps < 1 || reps > 100)
    throw new UsageError(`--reps expects a whole number from 1 to 100, got "${values.reps}"`)
  const only = list('--only', values.only)
  if (only) {
    const unknown = only.filter((id) => !known.some((w) => w.id === id))
    if (unknown.length > 0)
      throw new UsageError(
        `--only: unknown workload ${unknown.map((id) => `"${id}"`).join(', ')}; known: ${known.map((w) => w.id).join(', ')}`,
      )
  }
  const workloads = known.filter((w) => !only || only.includes(w.id))
  const targets = list('--targets', values.targets)
  const judged = values.judged ?? false
  if (targets) {
    const offered = judged ? judgedTargetNames(workloads) : targetNames(workloads)
    const unknown = targets.filter((t) => !offered.has(t))
    if (unknown.length > 0)
      throw new UsageError(
        `--targets: no workload chosen runs ${unknown.map((t) => `"${t}"`).join(', ')}${judged ? ' with --judged' : ''}; they run: ${[...offered].join(', ')}`,
      )
  }
  const partial = workloads.length < known.length || targets !== undefined || judged
  return { quick, reps, workloads, targets, judged, partial, out: values.out, source: values.source ?? false }
}

/** The target names `workloads` run, each once, in the order they first appear. */
function targetNames(workloads: readonly Workload[]): Set<string> {
  return new Set(workloads.flatMap((w) => w.targets))
}

/** The targets `workload` runs with `--judged`: those whose figures the checks read. */
export function judgedTargets(workload: Workload): string[] {
  const checked = checkedTargets()[workload.id]
  return workload.targets.filter((t) => checked?.has(t))
}

function judgedTargetNames(workloads: readonly Workload[]): Set<string> {
  return new Set(workloads.flatMap(judgedTargets))
}

function parse(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    options: {
      quick: { type: 'boolean', default: false },
      reps: { type: 'string' },
      only: { type: 'string' },
      targets: { type: 'string' },
      judged: { type: 'boolean', default: false },
      out: { type: 'string' },
      source: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  })
}

function list(flag: string, value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined
  const items = value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item.length > 0)
  if (items.length === 0) throw new UsageError(`${flag} expects a comma-separated list, got "${value}"`)
  return items
}

/**
 * How many repetitions `target` runs in `workload`: `--reps`, or the workload's `minReps` when larger,
 * for the targets it names in `minRepsFor` (all when it names none). Quick runs ignore `minReps`.
 */
export function repetitionsOf(
  workload: Workload,
  target: string,
  options: Pick<BenchOptions, 'quick' | 'reps'>,
): number {
  if (options.quick || (workload.minRepsFor && !workload.minRepsFor.includes(target))) return options.reps
  return Math.max(options.reps, workload.minReps ?? 0)
}

/**
 * Where the JSON report goes: `--out` taken from the directory the user ran the command in (pnpm and npm
 * run the script in the package's directory and name the caller's in `INIT_CWD`), else the default file.
 * Only a full run defaults to `results/latest.json`, the run the READMEs carry (`bench:readme`).
 */
export function reportPath(
  options: Pick<BenchOptions, 'out' | 'quick' | 'partial'>,
  benchDir: string,
  env: Record<string, string | undefined> = process.env,
): string {
  if (options.out !== undefined) return resolve(env.INIT_CWD ?? process.cwd(), options.out)
  return resolve(
    benchDir,
    'results',
    options.quick ? 'quick.json' : options.partial ? 'partial.json' : 'latest.json',
  )
}
