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

function settle<T>(promise: Promise<T>): Promise<{ value?: T; error?: unknown }> {
  return promise.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  )
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

  it('reads a key holding another type as a miss, whether its GET goes alone, merged alone or in an MGET', async () => {
    await admin.hset('mr:wt:hash', 'f', 'v')
    const idle = () => new Promise((resolve) => setTimeout(resolve, 5))
    // Before the first connection attempt is over: through the store's queue.
    const fresh = redisStore({ url: `redis://127.0.0.1:${server.port}` })
    opened.push(fresh)
    const early = await settle(fresh.get('mr:wt:hash'))
    const store = await ready()
    // The first command after an idle spell: a GET of its own.
    const alone = await settle(store.get('mr:wt:hash'))
    await idle()
    // Held behind a write of the same tick, the only GET kept back: a GET at the end of the tick. A few
    // times, since a pause of a millisecond after the write (a cold path, a GC) would send the GET at once.
    const heldAlone: { value?: unknown; error?: unknown }[] = []
    for (let i = 0; i < 3; i++) {
      const write = store.set('mr:wt:other', text('x'))
      heldAlone.push(await settle(store.get('mr:wt:hash')))
      await write
      await idle()
    }
    // The second and third GETs of a tick go out together as one MGET.
    const [, , merged] = await Promise.all(
      ['mr:wt:first', 'mr:wt:none', 'mr:wt:hash'].map((k) => settle(store.get(k))),
    )
    expect(await calls('mget')).toBeGreaterThan(0)
    for (const outcome of [early, alone, ...heldAlone, merged!]) expect(outcome).toEqual({ value: undefined })
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

describe('merged reads under timeouts, close and mixed commands', () => {
  it('rejects merged GETs with InfrastructureError TIMEOUT under the client commandTimeout; none hang', async () => {
    const client = new Redis({ port: server.port, host: '127.0.0.1', commandTimeout: 200 })
    try {
      const store = redisStore({ client })
      await store.ping()
      await new Promise((resolve) => setTimeout(resolve, 5))
      await admin.client('PAUSE', '600', 'ALL')
      const outcomes = await Promise.all(
        Array.from({ length: 40 }, (_, i) => settle(store.get(`mr:to:${i}`))),
      )
      for (const { error } of outcomes) {
        expect(error).toBeInstanceOf(InfrastructureError)
        expect((error as InfrastructureError).code).toBe('TIMEOUT')
      }
    } finally {
      await admin.client('UNPAUSE')
      client.disconnect()
    }
  })

  it('settles every merged GET when close() comes in the middle of a held tick; later calls are CLOSED', async () => {
    const store = await ready()
    await admin.set('mr:close:a', 'A')
    await new Promise((resolve) => setTimeout(resolve, 5))
    const reads = ['mr:close:a', 'mr:close:b', 'mr:close:a', 'mr:close:c'].map((k) => settle(store.get(k)))
    const closing = store.close()
    const late = settle(store.get('mr:close:a'))
    const results = await Promise.race([
      Promise.all(reads),
      new Promise((resolve) => setTimeout(resolve, 3_000)).then(() => 'hang' as const),
    ])
    await closing
    expect(results).not.toBe('hang')
    expect((results as { value?: unknown }[]).map((r) => r.value)).toEqual([
      text('A'),
      undefined,
      text('A'),
      undefined,
    ])
    expect((await late).error).toMatchObject({ code: 'CLOSED' })
  })

  it('reads its own writes within one tick across setMany, getMany, deleteMany, delete and clear', async () => {
    const store = await ready()
    await admin.mset('mr:raw:a', 'old', 'mr:raw:b', 'old', 'mr:raw:c', 'old')
    await new Promise((resolve) => setTimeout(resolve, 5))
    const r1 = store.get('mr:raw:a')
    const w1 = store.setMany([
      { key: 'mr:raw:a', value: text('new') },
      { key: 'mr:raw:b', value: text('new') },
    ])
    const r2 = store.get('mr:raw:a')
    const r3 = store.get('mr:raw:b')
    const d1 = store.deleteMany(['mr:raw:b', 'mr:raw:c'])
    const r4 = store.get('mr:raw:b')
    const r5 = store.getMany(['mr:raw:a', 'mr:raw:b', 'mr:raw:c'])
    const w2 = store.set('mr:raw:c', text('again'))
    const r6 = store.get('mr:raw:c')
    const d2 = store.delete('mr:raw:c')
    const r7 = store.get('mr:raw:c')
    expect(await Promise.all([r1, w1, r2, r3, d1, r4, r5, w2, r6, d2, r7])).toEqual([
      text('old'),
      undefined,
      text('new'),
      text('new'),
      2,
      undefined,
      [text('new'), undefined, undefined],
      undefined,
      text('again'),
      true,
      undefined,
    ])
    await store.clear('mr:raw:')
    expect(await store.get('mr:raw:a')).toBeUndefined()
  })

  it('round-trips keys with spaces, CRLF, glob characters and non-ASCII through a merged MGET and clear', async () => {
    const store = await ready()
    const prefix = 'mr:sp:[*?\\]^ '
    const keys = ['a b', 'line\r\nnext', '*', '?x', '[ab]', 'é✓😀', '\\', ''].map((k) => prefix + k)
    const values = keys.map((_, i) => new Uint8Array([i, 0, 13, 10, 255]))
    await store.setMany(keys.map((key, i) => ({ key, value: values[i]! })))
    await admin.set('mr:sp:[*?\\]^ lookalike-other', 'x') // same prefix: also cleared
    await admin.set('mr:sp:X', 'keep') // not under the prefix: must survive
    await new Promise((resolve) => setTimeout(resolve, 5))
    const reads = await Promise.all(keys.map((key) => store.get(key)))
    expect(reads).toEqual(values)
    await store.clear(prefix)
    expect(await store.getMany(keys)).toEqual(keys.map(() => undefined))
    expect(await admin.exists('mr:sp:[*?\\]^ lookalike-other')).toBe(0)
    expect(await admin.get('mr:sp:X')).toBe('keep')
  })
})
