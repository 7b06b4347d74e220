import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** A `redis-server` process started by a test; stop it by PID in `afterAll`. */
export interface RedisServer {
  readonly pid: number
  readonly port: number
  readonly dir: string
  stop(): Promise<void>
}

/** A fresh temporary directory for server files (configs, certificates). */
export function tempDir(label: string): string {
  return mkdtempSync(join(tmpdir(), `cache-redis-${label}-`))
}

/**
 * Starts `redis-server` on 127.0.0.1 with persistence off and waits until it accepts connections.
 * `port` is the plain port (0 disables it, e.g. for a TLS-only server); `args` are extra directives.
 * Without `sharedDir` the server gets its own temporary directory, removed by `stop()`.
 */
export async function startRedisServer(
  port: number,
  args: string[] = [],
  sharedDir?: string,
): Promise<RedisServer> {
  const dir = sharedDir ?? tempDir(`p${port}`)
  const argv = [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--save',
    '',
    '--appendonly',
    'no',
    '--dir',
    dir,
  ]
  return spawnRedis([...argv, ...args], 'Ready to accept connections', port, dir, sharedDir === undefined)
}

/** Starts a Sentinel on 127.0.0.1:`port` that monitors the master at `masterPort` under `masterName`. */
export async function startRedisSentinel(
  port: number,
  masterPort: number,
  masterName: string,
): Promise<RedisServer> {
  const dir = tempDir(`sentinel${port}`)
  // Sentinel rewrites its config file, so it must be a real, writable file.
  const config = join(dir, 'sentinel.conf')
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
  return spawnRedis([config, '--sentinel'], `+monitor master ${masterName}`, port, dir, true)
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
      child.off('exit', onExit)
      resolve()
    }
    function fail(error: Error) {
      clearTimeout(timer)
      child.kill('SIGKILL')
      if (ownsDir) rmSync(dir, { recursive: true, force: true })
      reject(new Error(`${error.message}:\n${output.slice(-2000)}`))
    }
    child.stdout?.on('data', check)
    child.once('exit', onExit)
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
