import { text } from '@cache/conformance'
import { InfrastructureError } from '@cache/core'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type RedisStore, redisStore } from '../src/index'
import { MERGED_READS } from '../src/redis-store'
import { type RedisServer, startRedisServer } from './helpers/redis-process'

// A server of its own: the command counts below must see this file's commands only.
let server: RedisServer
let admin: Redis
const opened: RedisStore[] = []

beforeAll(async () => {
  server = await startRedisServer()
  admin = new Redis({ port: server.port, host: '127.0.0.1' })
})

afterAll(async () => {
  for (const store of opened) await store.close()
  admin?.disconnect()
  await server?.stop()
})

async function ready(): Promise<RedisStore> {
  const store = redisStore({ url: `redis://127.0.0.1:${server.port}` })
  opened.push(store)
  await store.ping()
  // Idle for a while: the next command is the first of its tick after an idle spell.
  await new Promise((resolve) => setTimeout(resolve, 5))
  await admin.config('RESETSTAT')
  return store
}

async function calls(command: string): Promise<number> {
  const info = await admin.info('commandstats')
  return Number(info.match(new RegExp(`cmdstat_${command}:calls=(\\d+)`))?.[1] ?? 0)
}

describe('redisStore.get merges the GETs of a held tick', () => {
  it('sends a lone GET at once, and the rest of a busy tick as MGETs of up to 32 keys', async () => {
    const store = await ready()
    await admin.mset(...Array.from({ length: 80 }, (_, i) => [`mr:a:${i}`, `v${i}`]).flat())
    await admin.config('RESETSTAT')
    const lone = await store.get('mr:a:0')
    expect(lone).toEqual(text('v0'))
    expect(await calls('get')).toBe(1)
    await new Promise((resolve) => setTimeout(resolve, 5))
    await admin.config('RESETSTAT')
    // 71 GETs in one tick, every other one missing: the first at once, then 70 merged (32 + 32 + 6).
    expect(MERGED_READS).toBe(32)
    const keys = Array.from({ length: 71 }, (_, i) => (i % 2 ? `mr:a:${i}` : `mr:absent:${i}`))
    const values = await Promise.all(keys.map((key) => store.get(key)))
    expect(values).toEqual(keys.map((_, i) => (i % 2 ? text(`v${i}`) : undefined)))
    // A pause of a millisecond between the first two calls (a GC on a loaded CI machine) would let the
    // second go out at once too; the rest are merged either way.
    expect(await calls('get')).toBeLessThanOrEqual(2)
    expect(await calls('mget')).toBe(3)
  })

  it('keeps the order of the store’s commands: a write sends the GETs held before it first', async () => {
    const store = await ready()
    await admin.set('mr:o:k', 'old')
    await admin.set('mr:o:d', 'here')
    const first = store.get('mr:o:k')
    const before = store.get('mr:o:k')
    const set = store.set('mr:o:k', text('new'))
    const after = store.get('mr:o:k')
    const kept = store.get('mr:o:d')
    const deleted = store.delete('mr:o:d')
    const gone = store.get('mr:o:d')
    const many = store.getMany(['mr:o:k', 'mr:o:d'])
    await set
    expect(await Promise.all([first, before, after, kept, deleted, gone, many])).toEqual([
      text('old'),
      text('old'),
      text('new'),
      text('here'),
      true,
      undefined,
      [text('new'), undefined],
    ])
    expect(await calls('mget')).toBeGreaterThan(0)
  })

  it('keeps binary values exact and a key asked twice in one MGET gets its value twice', async () => {
    const store = await ready()
    const raw = new Uint8Array(256).map((_, i) => i)
    await store.set('mr:b:raw', raw)
    await new Promise((resolve) => setTimeout(resolve, 5))
    const reads = ['mr:b:warm', 'mr:b:raw', 'mr:b:raw', 'mr:b:missing'].map((key) => store.get(key))
    expect(await Promise.all(reads)).toEqual([undefined, raw, raw, undefined])
  })

  it('rejects every merged GET with an InfrastructureError when the link is gone, never hangs', async () => {
    const store = await ready()
    const outcomes = ['mr:x:1', 'mr:x:2', 'mr:x:3'].map((key) =>
      store.get(key).then(
        () => undefined,
        (e: unknown) => e,
      ),
    )
    // Dropped in the same tick, before the merged MGET goes out.
    ;(store.client as Redis).disconnect()
    const [, ...merged] = await Promise.all(outcomes)
    for (const error of merged) {
      expect(error).toBeInstanceOf(InfrastructureError)
      expect((error as InfrastructureError).code).toBe('CONNECTION')
    }
  })
})
