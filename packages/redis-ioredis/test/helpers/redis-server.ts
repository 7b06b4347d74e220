import { type ChildProcess, spawn } from 'node:child_process'
import { Redis } from 'ioredis'

/** A throwaway `redis-server` on a loopback port, stopped by its own PID. */
export interface RedisServer {
  readonly port: number
  readonly url: string
  /** Kills the server (SIGKILL: an abrupt loss, nothing flushed) and waits for it to exit. */
  kill(): Promise<void>
  /** Starts it again on the same port (empty: no persistence). */
  start(): Promise<void>
  /** Stops it for good. */
  stop(): Promise<void>
}

/** Starts `redis-server` on 127.0.0.1:`port` without persistence and waits until it answers PING. */
export async function startRedisServer(port: number): Promise<RedisServer> {
  let child: ChildProcess | undefined
  const start = async () => {
    child = spawn(
      'redis-server',
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--loglevel',
        'warning',
      ],
      { stdio: 'ignore' },
    )
    await waitForPing(port)
  }
  const kill = async () => {
    const running = child
    child = undefined
    if (!running || running.exitCode !== null) return
    const exited = new Promise((resolve) => running.once('exit', resolve))
    running.kill('SIGKILL')
    await exited
  }
  await start()
  return { port, url: `redis://127.0.0.1:${port}`, kill, start, stop: kill }
}

async function waitForPing(port: number): Promise<void> {
  const deadline = Date.now() + 10_000
  for (;;) {
    const client = new Redis({ port, host: '127.0.0.1', lazyConnect: true, retryStrategy: () => null })
    client.on('error', () => {})
    try {
      await client.connect()
      await client.ping()
      return
    } catch (error) {
      if (Date.now() > deadline) throw error
      await new Promise((resolve) => setTimeout(resolve, 50))
    } finally {
      client.disconnect()
    }
  }
}
