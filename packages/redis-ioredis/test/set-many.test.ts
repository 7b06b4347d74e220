import { bytes, text } from '@cache/conformance'
import { InfrastructureError, ValidationError } from '@cache/core'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type RedisStore, type RedisStoreOptions, redisStore } from '../src/index'
import { SCRIPT_BYTES, SCRIPT_ENTRIES } from '../src/redis-store'
import { type RedisServer, startRedisServer } from './helpers/redis-process'

// A server of its own: the command counts below must see this file's commands only.
const PASSWORD = 'set-many-secret'
let server: RedisServer
let admin: Redis
const opened: RedisStore[] = []

beforeAll(async () => {
  server = await startRedisServer({
    args: () => [
      // A user that may not run scripts, as some managed or locked-down servers are set up.
      '--user',
      'noscripts',
      'on',
      `>${PASSWORD}`,
      '~*',
      '&*',
      '+@all',
      '-@scripting',
    ],
  })
  admin = new Redis({ port: server.port, host: '127.0.0.1' })
})

afterAll(async () => {
  for (const store of opened) await store.close()
  admin?.disconnect()
  await server?.stop()
})

function open(user?: string, options?: RedisStoreOptions): RedisStore {
  const auth = user ? `${user}:${PASSWORD}@` : ''
  const store = redisStore({ url: `redis://${auth}127.0.0.1:${server.port}` }, options)
  opened.push(store)
  return store
}

/** Calls (and rejected calls) of `command` since the last `CONFIG RESETSTAT`. */
async function calls(command: string): Promise<{ calls: number; rejected: number }> {
  const info = await admin.info('commandstats')
  const line = info.split('\r\n').find((l) => l.startsWith(`cmdstat_${command}:`))
  const field = (name: string) => Number(line?.match(new RegExp(`${name}=(\\d+)`))?.[1] ?? 0)
  return { calls: field('calls'), rejected: field('rejected_calls') + field('failed_calls') }
}

/** True when every read value holds its entry's bytes (a byte-wise `toEqual` of megabytes takes seconds). */
function sameBytes(read: (Uint8Array | undefined)[], entries: { value: Uint8Array }[]): boolean {
  return entries.every((entry, i) => read[i] !== undefined && Buffer.from(read[i]!).equals(entry.value))
}

describe('redisStore.setMany', () => {
  it('writes a batch with one script call per 256 entries, all in one round trip', async () => {
    const store = open()
    await store.ping()
    const entries = Array.from({ length: SCRIPT_ENTRIES * 2 + 10 }, (_, i) => ({
      key: `sm:big:${i}`,
      value: text(`value ${i}`),
      ttlMs: 60_000,
    }))
    await admin.config('RESETSTAT')
    await store.setMany(entries)
    expect(await calls('eval')).toEqual({ calls: 3, rejected: 0 })
    // The script's own SETs: one per entry, none sent by the client.
    expect((await calls('set')).calls).toBe(entries.length)
    expect(await store.getMany(entries.map((e) => e.key))).toEqual(entries.map((e) => e.value))
  })

  it('keeps each script call under 1 MiB of values; an entry that fills a call alone is a plain SET', async () => {
    const store = open()
    await store.ping()
    const third = Math.floor(SCRIPT_BYTES / 3.4)
    const large = Array.from({ length: 10 }, (_, i) => ({
      key: `sm:large:${i}`,
      value: bytes(third, (j) => (i + j) % 251),
    }))
    await admin.config('RESETSTAT')
    await store.setMany(large)
    // Three calls of three entries, then the tenth entry alone.
    expect(await calls('eval')).toEqual({ calls: 3, rejected: 0 })
    expect((await calls('set')).calls).toBe(10)
    expect(sameBytes(await store.getMany(large.map((e) => e.key)), large)).toBe(true)
    const huge = [0, 1].map((i) => ({ key: `sm:huge:${i}`, value: bytes(SCRIPT_BYTES + 1, (j) => j % 7) }))
    await admin.config('RESETSTAT')
    await store.setMany(huge)
    expect((await calls('eval')).calls).toBe(0)
    expect((await calls('set')).calls).toBe(2)
    expect(sameBytes(await store.getMany(huge.map((e) => e.key)), huge)).toBe(true)
  })

  it('gives each key its own expiry, none for no TTL or Infinity, and keeps the bytes exactly', async () => {
    const store = open()
    const everyByte = bytes(256, (i) => i)
    await admin.set('sm:ttl:none', 'old', 'PX', 1_000)
    await store.setMany([
      { key: 'sm:ttl:short', value: everyByte, ttlMs: 1_500.2 },
      { key: 'sm:ttl:long', value: text('long'), ttlMs: 600_000 },
      { key: 'sm:ttl:none', value: new Uint8Array(0) },
      { key: 'sm:ttl:inf', value: text('inf'), ttlMs: Number.POSITIVE_INFINITY },
    ])
    const short = await admin.pttl('sm:ttl:short')
    expect(short).toBeGreaterThan(1_000)
    expect(short).toBeLessThanOrEqual(1_501)
    expect(await admin.pttl('sm:ttl:long')).toBeGreaterThan(590_000)
    // A SET without PX clears an older expiry, as set() does.
    expect(await admin.pttl('sm:ttl:none')).toBe(-1)
    expect(await admin.pttl('sm:ttl:inf')).toBe(-1)
    expect(await store.getMany(['sm:ttl:short', 'sm:ttl:none', 'sm:ttl:inf'])).toEqual([
      everyByte,
      new Uint8Array(0),
      text('inf'),
    ])
  })

  it('stores the bytes as they were at the call, across several script calls, even if reused at once', async () => {
    const store = open()
    await store.ping()
    // Once a script call went through, batches are sent without a defensive copy: this checks that path.
    await store.setMany([
      { key: 'sm:reuse:warm:a', value: text('a') },
      { key: 'sm:reuse:warm:b', value: text('b') },
    ])
    const entries = Array.from({ length: SCRIPT_ENTRIES + 44 }, (_, i) => ({
      key: `sm:reuse:${i}`,
      value: text(`kept ${i}`),
      ttlMs: 60_000,
    }))
    const pending = store.setMany(entries)
    for (const entry of entries) entry.value.fill(0)
    await pending
    expect(await store.getMany(entries.map((e) => e.key))).toEqual(entries.map((_, i) => text(`kept ${i}`)))
  })

  it('loads the script again after SCRIPT FLUSH', async () => {
    const store = open()
    await store.setMany([
      { key: 'sm:flush:a', value: text('a1') },
      { key: 'sm:flush:b', value: text('b1') },
    ])
    await admin.script('FLUSH')
    await store.setMany([
      { key: 'sm:flush:a', value: text('a2') },
      { key: 'sm:flush:b', value: text('b2') },
    ])
    expect(await store.getMany(['sm:flush:a', 'sm:flush:b'])).toEqual([text('a2'), text('b2')])
  })

  it('falls back to pipelined SETs for good when the server refuses scripts', async () => {
    const store = open('noscripts')
    await admin.config('RESETSTAT')
    const batch = (round: number) =>
      Array.from({ length: 5 }, (_, i) => ({
        key: `sm:acl:${i}`,
        value: text(`r${round}:${i}`),
        ttlMs: 60_000,
      }))
    await store.setMany(batch(1))
    expect(await store.getMany(batch(1).map((e) => e.key))).toEqual(batch(1).map((e) => e.value))
    // Refused once, then not tried again.
    expect((await calls('eval')).rejected).toBe(1)
    await store.setMany(batch(2))
    expect((await calls('eval')).rejected).toBe(1)
    expect((await calls('set')).calls).toBe(10)
    expect(await store.getMany(batch(2).map((e) => e.key))).toEqual(batch(2).map((e) => e.value))
    expect(await admin.pttl('sm:acl:0')).toBeGreaterThan(0)
  })

  it('on the first refused script call, the fallback SETs store the bytes as they were at the call', async () => {
    const store = open('noscripts')
    await store.ping()
    const entries = [1, 2, 3].map((i) => ({ key: `sm:fb:${i}`, value: text(`kept ${i}`), ttlMs: 60_000 }))
    const pending = store.setMany(entries)
    // The fallback goes out a round trip after the call; the caller has reused its arrays by then.
    for (const entry of entries) entry.value.fill(0)
    await pending
    expect(await store.getMany(entries.map((e) => e.key))).toEqual([1, 2, 3].map((i) => text(`kept ${i}`)))
  })

  it('a script refused after it worked rejects that batch (its bytes may be reused) and uses SETs from then on', async () => {
    await admin.acl('SETUSER', 'flips', 'on', `>${PASSWORD}`, '~*', '&*', '+@all')
    try {
      const store = open('flips')
      await store.ping()
      const batch = (round: number) =>
        [1, 2].map((i) => ({ key: `sm:flip:${i}`, value: text(`r${round}:${i}`), ttlMs: 60_000 }))
      await store.setMany(batch(1))
      // Scripts are taken away from the user while its connection stays open.
      await admin.acl('SETUSER', 'flips', '-@scripting')
      const entries = batch(2)
      const pending = store.setMany(entries)
      for (const entry of entries) entry.value.fill(0)
      const error = await pending.then(
        () => undefined,
        (e: unknown) => e,
      )
      expect(error).toBeInstanceOf(InfrastructureError)
      expect(String((error as Error).message)).toMatch(/NOPERM/)
      expect(await store.getMany(entries.map((e) => e.key))).toEqual(batch(1).map((e) => e.value))
      await admin.config('RESETSTAT')
      await store.setMany(batch(3))
      expect(await calls('eval')).toEqual({ calls: 0, rejected: 0 })
      expect(await store.getMany(entries.map((e) => e.key))).toEqual(batch(3).map((e) => e.value))
    } finally {
      await admin.acl('DELUSER', 'flips')
    }
  })

  it('a BUSY reply (another client running a long script) rejects, and does not switch to SETs', async () => {
    // Redis answers BUSY to everything while another client's script runs. When that script ends between
    // the BUSY reply to our EVAL and a fallback, SETs would go through: retried until that race is hit.
    const busy = new Redis({ port: server.port, host: '127.0.0.1' })
    await admin.config('SET', 'busy-reply-threshold', '20')
    let sawBusy = false
    let fellBack = false
    try {
      for (let attempt = 0; attempt < 12 && !fellBack; attempt++) {
        const store = open()
        await store.ping()
        const running = busy.eval('local n = 0 for i = 1, 30000000 do n = n + 1 end return n', 0)
        await new Promise((resolve) => setTimeout(resolve, 40))
        const entries = [
          { key: 'sm:busy:a', value: text('a') },
          { key: 'sm:busy:b', value: text('b') },
        ]
        // One call after another while the server is busy, as a cache's write path would.
        for (let i = 0; i < 2000; i++) {
          const error = await store.setMany(entries).then(
            () => undefined,
            (e: unknown) => e,
          )
          if (!error) break
          expect(error).toBeInstanceOf(InfrastructureError)
          if (/BUSY/.test(String((error as Error).message))) sawBusy = true
        }
        await running
        await admin.config('RESETSTAT')
        await store.setMany(entries)
        fellBack = (await calls('eval')).calls === 0
        await store.close()
      }
    } finally {
      await admin.config('SET', 'busy-reply-threshold', '5000')
      busy.disconnect()
    }
    expect(sawBusy).toBe(true)
    expect(fellBack).toBe(false)
  })

  it('checks every entry before writing: a NaN TTL writes none of the batch, a TTL past Redis range writes all', async () => {
    const store = open()
    await store.ping()
    await admin.del('sm:val:ok1', 'sm:val:ok2', 'sm:val:odd')
    const batch = (ttlMs: number) => [
      { key: 'sm:val:ok1', value: text('1'), ttlMs: 60_000 },
      { key: 'sm:val:odd', value: text('x'), ttlMs },
      { key: 'sm:val:ok2', value: text('2'), ttlMs: 60_000 },
    ]
    await expect(store.setMany(batch(Number.NaN))).rejects.toMatchObject({ code: 'INVALID_TTL' })
    expect(await admin.exists('sm:val:ok1', 'sm:val:odd', 'sm:val:ok2')).toBe(0)
    // 1e19 ms is past what Redis takes as PX: stored without expiry, as Infinity, with the rest of the batch.
    await store.setMany(batch(1e19))
    expect(await store.getMany(['sm:val:ok1', 'sm:val:odd', 'sm:val:ok2'])).toEqual([
      text('1'),
      text('x'),
      text('2'),
    ])
    expect(await admin.pttl('sm:val:odd')).toBe(-1)
  })

  it('a write the server refuses for another reason rejects, and later batches still use the script', async () => {
    const store = open()
    await store.ping()
    await admin.config('SET', 'maxmemory-policy', 'noeviction')
    await admin.config('SET', 'maxmemory', '1')
    try {
      const error = await store
        .setMany([
          { key: 'sm:oom:a', value: text('a') },
          { key: 'sm:oom:b', value: text('b') },
        ])
        .then(
          () => undefined,
          (e: unknown) => e,
        )
      expect(error).toBeInstanceOf(InfrastructureError)
      expect(String((error as Error).message)).toMatch(/OOM/)
    } finally {
      await admin.config('SET', 'maxmemory', '0')
    }
    await admin.config('RESETSTAT')
    await store.setMany([
      { key: 'sm:oom:a', value: text('a') },
      { key: 'sm:oom:b', value: text('b') },
    ])
    expect(await calls('eval')).toEqual({ calls: 1, rejected: 0 })
    expect(await store.getMany(['sm:oom:a', 'sm:oom:b'])).toEqual([text('a'), text('b')])
  })

  it("batchWrites: 'pipeline' sends a SET per entry; any other value is refused by name", async () => {
    const store = open(undefined, { batchWrites: 'pipeline' })
    await store.ping()
    await admin.config('RESETSTAT')
    const entries = [1, 2, 3].map((i) => ({ key: `sm:pipe:${i}`, value: text(`p${i}`), ttlMs: 60_000 }))
    await store.setMany(entries)
    expect((await calls('eval')).calls).toBe(0)
    expect((await calls('set')).calls).toBe(3)
    expect(await store.getMany(entries.map((e) => e.key))).toEqual(entries.map((e) => e.value))
    expect(await admin.pttl('sm:pipe:1')).toBeGreaterThan(0)
    expect(() => redisStore({ url: 'redis://127.0.0.1:1' }, { batchWrites: 'lua' as never })).toThrow(
      expect.objectContaining({ code: 'INVALID_OPTION', message: expect.stringMatching(/batchWrites/) }),
    )
    expect(() => redisStore({ url: 'redis://127.0.0.1:1' }, { batchWrites: 'lua' as never })).toThrow(
      ValidationError,
    )
  })

  it('sends a single entry as a plain SET', async () => {
    const store = open()
    await store.ping()
    await admin.config('RESETSTAT')
    await store.setMany([{ key: 'sm:one', value: text('1'), ttlMs: 60_000 }])
    expect((await calls('eval')).calls).toBe(0)
    expect((await calls('set')).calls).toBe(1)
    expect(await store.get('sm:one')).toEqual(text('1'))
  })
})
