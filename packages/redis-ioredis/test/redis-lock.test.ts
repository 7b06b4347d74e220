import { InfrastructureError, ValidationError } from '@cache/core'
import { Redis } from 'ioredis'
import { afterAll, afterEach, describe, expect, test } from 'vitest'
import { redisLock } from '../src/index'
import { startTcpProxy } from './helpers/tcp-proxy'
import { uniquePrefix } from './helpers/wait-for'

const URL = 'redis://127.0.0.1:6379'
const prefix = uniquePrefix('lock')
const raw = new Redis(URL)
const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})
// Every test releases its locks, so nothing is left behind on the shared Redis.
afterAll(() => raw.disconnect())

function lock(source: Parameters<typeof redisLock>[0] = { url: URL }) {
  const created = redisLock(source)
  cleanups.push(() => created.close())
  return created
}

describe('redisLock', () => {
  test('only one holder at a time; release frees the key', async () => {
    const a = lock()
    const b = lock()
    const key = `${prefix}:one`
    const release = await a.acquire(key, 5_000)
    expect(release).toBeTypeOf('function')
    expect(await b.acquire(key, 5_000)).toBeUndefined()
    expect(await a.acquire(key, 5_000)).toBeUndefined()
    const ttl = await raw.pttl(key)
    expect(ttl).toBeGreaterThan(0)
    expect(ttl).toBeLessThanOrEqual(5_000)
    expect(await release!()).toBe(true)
    expect(await raw.exists(key)).toBe(0)
    const again = await b.acquire(key, 5_000)
    expect(again).toBeTypeOf('function')
    expect(await again!()).toBe(true)
  })

  test('a release after expiry returns false and leaves the new holder alone', async () => {
    const a = lock()
    const b = lock()
    const key = `${prefix}:expired`
    const stale = await a.acquire(key, 50)
    await new Promise((resolve) => setTimeout(resolve, 120))
    const fresh = await b.acquire(key, 5_000)
    expect(fresh).toBeTypeOf('function')
    const holder = await raw.get(key)
    expect(await stale!()).toBe(false)
    expect(await raw.get(key)).toBe(holder)
    expect(await fresh!()).toBe(true)
  })

  test('releasing twice deletes once', async () => {
    const a = lock()
    const key = `${prefix}:twice`
    const release = await a.acquire(key, 5_000)
    expect(await release!()).toBe(true)
    const other = await a.acquire(key, 5_000)
    expect(await release!()).toBe(true)
    expect(await raw.exists(key)).toBe(1)
    expect(await other!()).toBe(true)
  })

  test('with a caller-owned client it never closes it', async () => {
    const client = new Redis(URL)
    cleanups.push(() => client.disconnect())
    const a = lock({ client })
    const release = await a.acquire(`${prefix}:client`, 1_000)
    expect(await release!()).toBe(true)
    await a.close()
    await a.close()
    expect(await client.ping()).toBe('PONG')
  })

  test('rejects with an InfrastructureError at once when Redis is unreachable', async () => {
    const link = await startTcpProxy(7120)
    cleanups.push(() => link.close())
    const a = lock({ url: link.url })
    expect(await (await a.acquire(`${prefix}:offline`, 1_000))!()).toBe(true)
    await link.cut('refuse')
    const error = await a.acquire(`${prefix}:offline`, 1_000).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(InfrastructureError)
    await link.restore()
  })

  test('validates its arguments', async () => {
    const a = lock()
    await expect(a.acquire('', 1_000)).rejects.toBeInstanceOf(ValidationError)
    await expect(a.acquire(`${prefix}:v`, 0)).rejects.toBeInstanceOf(ValidationError)
    await expect(a.acquire(`${prefix}:v`, Number.NaN)).rejects.toBeInstanceOf(ValidationError)
    expect(() => redisLock({ url: 'http://x' })).toThrow(ValidationError)
  })
})
