import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** A `redis-server` process started by a test; stop it by PID in `afterAll`. */
export interface RedisServer {
  readonly pid: number
  /** The port it listens on (the TLS port for a TLS-only server). */
  readonly port: number
  readonly dir: string
  stop(): Promise<void>
}

// Servers started by these tests listen on 127.0.0.1:7000-7099. Ports are drawn at random and a start that
// finds its port taken retries on another one, so two runs of the suite (two worktrees, CI) can overlap.
const PORT_RANGE = { first: 7000, count: 100 }
const ATTEMPTS = 25
const taken = new Set<number>()

/** A port of the range this process has not handed out yet (it may still be busy elsewhere). */
export function pickPort(): number {
  for (;;) {
    const port = PORT_RANGE.first + Math.floor(Math.random() * PORT_RANGE.count)
    if (taken.has(port)) continue
    taken.add(port)
    return port
  }
}

/** A loopback port nothing listens on (freshly released by the OS), for "Redis is down" tests. */
export async function deadPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

/** A fresh temporary directory for server files (configs, certificates). */
export function tempDir(label: string): string {
  return mkdtempSync(join(tmpdir(), `cache-redis-${label}-`))
}

/** Options of {@link startRedisServer}. */
export interface StartOptions {
  /** Extra directives; receives the port the server will listen on. */
  args?: (port: number) => string[]
  /** Directory for the server's files, owned by the caller; without it a temporary one is made and removed. */
  sharedDir?: string
  /** The port is a TLS port (`args` must add `--tls-port`); the plain port is disabled. */
  tlsOnly?: boolean
}

/** Starts `redis-server` on 127.0.0.1 (a free port of the range), persistence off, and waits until it is ready. */
export async function startRedisServer(options: StartOptions = {}): Promise<RedisServer> {
  const { args = () => [], sharedDir, tlsOnly = false } = options
  const dir = sharedDir ?? tempDir('server')
  return withFreePort(dir, sharedDir === undefined, (port) => [
    '--port',
    tlsOnly ? '0' : String(port),
    '--bind',
    '127.0.0.1',
    '--save',
    '',
    '--appendonly',
    'no',
    '--dir',
    dir,
    ...args(port),
  ])
}

/** Starts a Sentinel on a free port that monitors the master at `masterPort` under `masterName`. */
export async function startRedisSentinel(masterPort: number, masterName: string): Promise<RedisServer> {
  const dir = tempDir('sentinel')
  return withFreePort(
    dir,
    true,
    (port) => {
      // Sentinel rewrites its config file, so it must be a real, writable file.
      const config = join(dir, `sentinel-${port}.conf`)
      writeFileSync(
        config,
        [
          `port ${port}`,
          'bind 127.0.0.1',
          `dir ${dir}`,
          `sentinel monitor ${masterName} 127.0.0.1 ${masterPort} 1`,
          `sentinel down-after-milliseconds ${masterName} 5000`,
          '',
        ].join('\n'),
      )
      return [config, '--sentinel']
    },
    `+monitor master ${masterName}`,
  )
}

async function withFreePort(
  dir: string,
  ownsDir: boolean,
  argv: (port: number) => string[],
  readyText = 'Ready to accept connections',
): Promise<RedisServer> {
  let lastError: Error | undefined
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const port = pickPort()
    try {
      return await spawnRedis(argv(port), readyText, port, dir, ownsDir)
    } catch (error) {
      lastError = error as Error
      if (!/already in use/i.test(lastError.message)) break
    }
  }
  if (ownsDir) rmSync(dir, { recursive: true, force: true })
  throw lastError
}

async function spawnRedis(
  argv: string[],
  readyText: string,
  port: number,
  dir: string,
  ownsDir: boolean,
): Promise<RedisServer> {
  const child = spawn('redis-server', argv, { stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  const onData = (chunk: Buffer) => {
    output += chunk.toString()
  }
  child.stdout?.on('data', onData)
  child.stderr?.on('data', onData)
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => fail(new Error(`redis-server did not log "${readyText}" within 10 s`)),
      10_000,
    )
    const check = () => {
      if (output.includes(readyText)) done()
    }
    const onExit = (code: number | null) => fail(new Error(`redis-server exited early (code ${code})`))
    function done() {
      clearTimeout(timer)
      child.stdout?.off('data', check)
      child.off('close', onExit)
      resolve()
    }
    function fail(error: Error) {
      clearTimeout(timer)
      child.off('close', onExit)
      child.kill('SIGKILL')
      reject(new Error(`${error.message}:\n${output.slice(-2000)}`))
    }
    child.stdout?.on('data', check)
    // `close`, not `exit`: by then all of its output has been read (e.g. "Address already in use").
    child.once('close', onExit)
  })
  return {
    pid: child.pid!,
    port,
    dir,
    stop: () => stopProcess(child, ownsDir ? dir : undefined),
  }
}

/** SIGTERM, then SIGKILL after 5 s; resolves once the process has exited. Removes `dir`. */
export async function stopProcess(child: ChildProcess, dir?: string): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) {
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
    child.kill('SIGTERM')
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000)
    await exited
    clearTimeout(timer)
  }
  if (dir) rmSync(dir, { recursive: true, force: true })
}
