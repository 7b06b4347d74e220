import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { deadPort } from './helpers/redis-process'
import { REDIS_URL } from './helpers/redis-url'

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
