import { type ChildProcess, spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const packageDir = fileURLToPath(new URL('../..', import.meta.url))
const workerScript = fileURLToPath(new URL('../processes/cache-worker.ts', import.meta.url))

/** A `createCache` instance running in a child process. */
export interface CacheWorker {
  readonly pid: number
  call<T = unknown>(op: string, args?: Record<string, unknown>): Promise<T>
  /** Closes the cache and resolves to the exit code once the process has exited by itself. */
  close(timeoutMs?: number): Promise<number | null>
  kill(): void
}

/** Spawns `node --conditions=source --import tsx cache-worker.ts` and waits until its cache is up. */
export async function spawnWorker(env: Record<string, string>): Promise<CacheWorker> {
  const child: ChildProcess = spawn(
    process.execPath,
    ['--conditions=source', '--import', 'tsx', workerScript],
    {
      cwd: packageDir,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    },
  )
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>()
  let nextId = 1
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('worker did not start')), 20_000)
    child.once('exit', (code) => reject(new Error(`worker exited early (${code})`)))
    child.on('message', (message: { ready?: boolean; id?: number; result?: unknown; error?: string }) => {
      if (message.ready) {
        clearTimeout(timer)
        resolve()
        return
      }
      const waiter = pending.get(message.id!)
      pending.delete(message.id!)
      if (message.error !== undefined) waiter?.reject(new Error(message.error))
      else waiter?.resolve(message.result)
    })
  })
  return {
    pid: child.pid!,
    call<T>(op: string, args: Record<string, unknown> = {}) {
      const id = nextId++
      return new Promise<T>((resolve, reject) => {
        pending.set(id, { resolve: resolve as (v: unknown) => void, reject })
        child.send({ id, op, ...args })
      })
    },
    async close(timeoutMs = 10_000) {
      if (child.exitCode !== null) return child.exitCode
      child.send({ id: nextId++, op: 'close' })
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
      const code = await exited
      clearTimeout(timer)
      return code
    },
    kill() {
      if (child.exitCode === null) child.kill('SIGKILL')
    },
  }
}
