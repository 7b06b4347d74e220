import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { randomPrefix } from '@cache/conformance'
import { describe, expect, it } from 'vitest'
import { redisLock, redisStore } from '../src/index'
import { deadPort } from './helpers/redis-process'
import { REDIS_URL } from './helpers/redis-url'
import { startTcpProxy } from './helpers/tcp-proxy'

const FIXTURE = fileURLToPath(new URL('./fixtures/close-store.ts', import.meta.url))
const PACKAGE_DIR = fileURLToPath(new URL('..', import.meta.url))

/** Runs the fixture in a fresh node (tsx, source condition); resolves with its exit, or kills it after `limitMs`. */
function runFixture(url: string, mode: string, limitMs = 8_000) {
  return new Promise<{ code: number | null; exitedByItself: boolean; output: string }>((resolve) => {
    const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', FIXTURE, url, mode], {
      cwd: PACKAGE_DIR,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let output = ''
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
    let killed = false
    const timer = setTimeout(() => {
      killed = true
      child.kill('SIGKILL')
    }, limitMs)
    child.once('exit', (code) => {
      clearTimeout(timer)
      resolve({ code, exitedByItself: !killed, output })
    })
  })
}

describe('close() leaves no open handles: the process exits by itself', () => {
  it('after set/get/delete on a connected store (close called twice)', async () => {
    const result = await runFixture(REDIS_URL, 'roundtrip')
    expect(result.output).toContain('closed')
    expect(result).toMatchObject({ code: 0, exitedByItself: true })
  })

  it('while the client is still reconnecting to an unreachable Redis', async () => {
    const result = await runFixture(`redis://127.0.0.1:${await deadPort()}`, 'unreachable')
    expect(result.output).toContain('closed')
    expect(result).toMatchObject({ code: 0, exitedByItself: true })
  })

  it('after createCache over the store is closed', async () => {
    const result = await runFixture(REDIS_URL, 'cache')
    expect(result.output).toContain('closed')
    expect(result).toMatchObject({ code: 0, exitedByItself: true })
  })
})

describe('close() over a partitioned link', () => {
  // The socket timeout would end the client only after 30 s; close() must not wait for QUIT's reply that long.
  const connection = (url: string) => ({ url, socketTimeoutMs: 30_000 })
  const closedOrHung = (closing: Promise<void>) =>
    Promise.race([
      closing.then(() => 'closed' as const),
      new Promise((resolve) => setTimeout(resolve, 10_000)).then(() => 'hung' as const),
    ])

  it('ends the store and the lock without waiting for the socket timeout', async () => {
    const link = await startTcpProxy(7160)
    try {
      const store = redisStore(connection(link.url))
      const lock = redisLock(connection(link.url), { wakeOnRelease: false })
      await store.ping()
      expect(await lock.acquire(`${randomPrefix()}lock`, 1_000)).toBeDefined()
      await link.cut('freeze')
      const [storeClosed, lockClosed] = await Promise.all([
        closedOrHung(store.close()),
        closedOrHung(lock.close()),
      ])
      expect(storeClosed).toBe('closed')
      expect(lockClosed).toBe('closed')
      expect((store.client as { status: string }).status).toBe('end')
    } finally {
      await link.close()
    }
  }, 20_000)
})
