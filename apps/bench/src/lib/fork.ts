import { type ChildProcess, fork, type StdioOptions, spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { inPrivateNetworkCommand, PRIVATE_REDIS_URL } from './shaper'

/** What the parent tells a child to run. */
export interface ChildSpec {
  workload: string
  target: string
  quick: boolean
  runId: string
  rep: number
  args?: Record<string, unknown>
  /**
   * Run the child in a network namespace of its own with its own Redis (src/lib/shaper.ts), the link to
   * which carries `megabitsPerSecond` each way when given (no limit otherwise).
   */
  network?: { megabitsPerSecond?: number }
}

/** Five random base-36 characters: enough to keep concurrent runs apart in a shared Redis. */
export const newRunId = () => Math.random().toString(36).slice(2, 7).padEnd(5, '0')

/** `targets` in repetition `rep`'s order: rotating it spreads slow drift of a shared machine over every target. */
export const rotation = <T>(targets: readonly T[], rep: number): T[] =>
  targets.map((_, i) => targets[(i + rep) % targets.length]!)

/** What a child sends back. */
export type ChildResult = { ok: true; metrics: Record<string, number> } | { ok: false; error: string }

// From source (tsx) this module is src/lib/fork.ts; built, it is inlined into dist/main.js and dist/child.js.
const CHILD_PATH = fileURLToPath(
  import.meta.url.endsWith('.ts')
    ? new URL('../child.ts', import.meta.url)
    : new URL('./child.js', import.meta.url),
)

/**
 * Runs one workload for one target in a fresh Node process (same flags as this one, so the same
 * loader and export conditions), and resolves with what it reports. Never rejects.
 */
export function runChild(
  spec: ChildSpec,
  options: { timeoutMs: number; execArgv?: string[] },
): Promise<ChildResult> {
  return new Promise((resolve) => {
    const execArgv = options.execArgv ?? process.execArgv
    const stdio: StdioOptions = ['ignore', 'inherit', 'inherit', 'ipc']
    let child: ChildProcess
    if (spec.network) {
      // The IPC channel is a file descriptor: it passes through unshare and sh to Node.
      const run = inPrivateNetworkCommand(process.execPath, [...execArgv, CHILD_PATH, JSON.stringify(spec)])
      child = spawn(run.command, run.args, {
        stdio,
        env: { ...process.env, ...run.env, BENCH_REDIS_URL: PRIVATE_REDIS_URL },
      })
    } else child = fork(CHILD_PATH, [JSON.stringify(spec)], { execArgv, stdio })
    let result: ChildResult | undefined
    const timer = setTimeout(() => {
      result ??= { ok: false, error: `timed out after ${options.timeoutMs} ms` }
      child.kill('SIGKILL')
    }, options.timeoutMs)
    child.on('message', (message) => {
      result ??= message as ChildResult
    })
    child.on('error', (error) => {
      result ??= { ok: false, error: error.message }
    })
    child.on('exit', (code, signal) => {
      clearTimeout(timer)
      // In a private network the likely cause is the namespace itself; unshare's own words are on stderr.
      const hint = spec.network
        ? ' (a private network needs unshare, ip and tc, redis-server, and root or user namespaces)'
        : ''
      resolve(result ?? { ok: false, error: `exited with ${signal ?? code} before reporting${hint}` })
    })
  })
}
