import { randomPrefix, text } from '@cache/conformance'
import { InfrastructureError, ValidationError } from '@cache/core'
import {
  Cluster,
  CommandTimeoutDuringMaintenanceError,
  MaxRetriesPerRequestError,
  Redis,
  type RedisOptions,
  SocketTimeoutDuringMaintenanceError,
} from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  backoffMs,
  CONNECTION_DEFAULTS,
  classifyRedisError,
  MAX_TTL_MS,
  matchPattern,
  openConnection,
  parseRedisUrl,
  type RedisStore,
  redact,
  redisStore,
} from '../src/index'
import { deadPort } from './helpers/redis-process'
import { REDIS_URL } from './helpers/redis-url'

// A port nothing listens on, found when the file starts.
let deadUrl = ''
beforeAll(async () => {
  deadUrl = `redis://127.0.0.1:${await deadPort()}`
})

const opened: RedisStore[] = []
function open(...args: Parameters<typeof redisStore>): RedisStore {
  const store = redisStore(...args)
  opened.push(store)
  return store
}
afterAll(async () => {
  for (const store of opened) await store.close()
})

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a rejection')
    },
    (error: unknown) => error,
  )
}

describe('URL parsing', () => {
  it('reads host, port, user, password (percent-decoded) and database', () => {
    const { options, secrets } = parseRedisUrl('t', 'redis://app:p%40ss%2Fw@cache.internal:6380/4')
    expect(options).toMatchObject({
      host: 'cache.internal',
      port: 6380,
      db: 4,
      username: 'app',
      password: 'p@ss/w',
    })
    expect(options.tls).toBeUndefined()
    expect(secrets).toContain('p@ss/w')
    expect(secrets).toContain('p%40ss%2Fw')
  })

  it('defaults port and database, accepts a password without user, enables TLS for rediss://', () => {
    expect(parseRedisUrl('t', 'redis://:only@h').options).toMatchObject({
      host: 'h',
      port: 6379,
      db: 0,
      password: 'only',
    })
    expect(parseRedisUrl('t', 'redis://:only@h').options.username).toBeUndefined()
    expect(parseRedisUrl('t', 'rediss://h.example:6390').options.tls).toEqual({ servername: 'h.example' })
    expect(parseRedisUrl('t', 'rediss://127.0.0.1').options.tls).toEqual({})
    expect(parseRedisUrl('t', 'redis://[::1]:7000/').options).toMatchObject({
      host: '::1',
      port: 7000,
      db: 0,
    })
  })

  it.each([
    ['not a url', /not a valid URL/],
    ['http://u:Secret-123@h', /must start with redis:\/\/ or rediss:\/\//],
    ['redis://u:Secret-123@h/db1', /database must be a number/],
  ])('rejects %s with a ValidationError that names the option and hides the password', (url, message) => {
    let error: unknown
    try {
      redisStore({ url })
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(ValidationError)
    expect((error as ValidationError).code).toBe('INVALID_OPTION')
    expect((error as Error).message).toMatch(/option url/)
    expect((error as Error).message).toMatch(message)
    expect((error as Error).message).not.toContain('Secret-123')
  })

  it('rejects bad options by name', () => {
    expect(() => redisStore({ url: REDIS_URL, connectTimeoutMs: 0 })).toThrow(/connectTimeoutMs/)
    expect(() => redisStore({ url: REDIS_URL, maxRetriesPerRequest: -1 })).toThrow(/maxRetriesPerRequest/)
    expect(() => redisStore({ url: REDIS_URL }, { scanCount: 0 })).toThrow(/scanCount/)
    expect(() => redisStore({} as never)).toThrow(ValidationError)
    expect(() => redisStore({ client: {} as never })).toThrow(/option client/)
  })
})

describe('TLS options', () => {
  /** The TLS options of the client `openConnection` creates, after ioredis resolved them. */
  async function tlsOf(url: string, tls: RedisOptions['tls']): Promise<Record<string, unknown> | undefined> {
    const handle = openConnection('t', { url, redisOptions: { tls, lazyConnect: true } })
    try {
      return (handle.client as Redis).options.tls as Record<string, unknown> | undefined
    } finally {
      await handle.close()
    }
  }

  it('merges the caller’s options over the servername rediss:// implies', async () => {
    expect(await tlsOf('rediss://h.example', { ca: 'my-ca' })).toEqual({
      servername: 'h.example',
      ca: 'my-ca',
    })
    expect(await tlsOf('rediss://h.example', undefined)).toEqual({ servername: 'h.example' })
    expect(await tlsOf('redis://h.example', { ca: 'my-ca' })).toEqual({ ca: 'my-ca' })
  })

  it('accepts an ioredis TLS profile name, alone or with rediss://', async () => {
    const viaUrl = await tlsOf('rediss://h.example', 'RedisCloudFixed')
    expect(viaUrl?.servername).toBe('h.example')
    expect(viaUrl?.ca).toMatch(/BEGIN CERTIFICATE/)
    // The name is resolved, not spread into { 0: 'R', 1: 'e', ... }.
    expect(Object.keys(viaUrl ?? {}).sort()).toEqual(['ca', 'servername'])
    expect((await tlsOf('redis://h.example', 'RedisCloudFixed'))?.ca).toBe(viaUrl?.ca)
    const withOverride = await tlsOf('rediss://h.example', { profile: 'RedisCloudFlexible', ca: 'mine' })
    expect(withOverride).toEqual({ servername: 'h.example', ca: 'mine' })
  })
})

describe('secrets known for redaction', () => {
  it('include the passwords of a caller’s Redis and Cluster client, and of redisOptions', async () => {
    const redis = new Redis({ password: 'Caller-Pass-1', lazyConnect: true })
    const cluster = new Cluster([{ port: 7099 }], {
      lazyConnect: true,
      redisOptions: { password: 'Node-Pass-2' },
    })
    expect(openConnection('t', { client: redis }).secrets).toContain('Caller-Pass-1')
    expect(openConnection('t', { client: cluster }).secrets).toContain('Node-Pass-2')
    const handle = openConnection('t', {
      url: 'redis://:Url-Pass-3@127.0.0.1:7099',
      redisOptions: { password: 'Option-Pass-4', lazyConnect: true },
    })
    expect(handle.secrets).toEqual(expect.arrayContaining(['Url-Pass-3', 'Option-Pass-4']))
    await handle.close()
    redis.disconnect()
    cluster.disconnect()
  })
})

describe('helpers', () => {
  it('escapes every glob metacharacter of a prefix in the MATCH pattern', () => {
    expect(matchPattern('a*b?c[d]e\\f:')).toBe('a\\*b\\?c\\[d\\]e\\\\f:*')
    expect(matchPattern('')).toBe('*')
  })

  it('redacts raw and encoded secrets', () => {
    expect(redact('AUTH p@ss p%40ss done', ['p@ss', 'p%40ss'])).toBe('AUTH *** *** done')
  })

  it('classifies ioredis failures', () => {
    expect(classifyRedisError(new Error('Command timed out'))).toBe('TIMEOUT')
    expect(classifyRedisError(Object.assign(new Error('x'), { code: 'ECONNREFUSED' }))).toBe('CONNECTION')
    expect(classifyRedisError(new Error('WRONGPASS invalid username-password pair'))).toBe('CONNECTION')
    expect(classifyRedisError(new Error('WRONGTYPE Operation against a key'))).toBe('INFRASTRUCTURE')
    // ioredis 6.1's own error classes, raised while a managed Redis announces maintenance.
    expect(classifyRedisError(new CommandTimeoutDuringMaintenanceError(10_000))).toBe('TIMEOUT')
    expect(classifyRedisError(new SocketTimeoutDuringMaintenanceError(10_000))).toBe('CONNECTION')
    expect(classifyRedisError(new MaxRetriesPerRequestError(0))).toBe('CONNECTION')
  })

  it('backs off exponentially up to the cap and never stops reconnecting', () => {
    expect(backoffMs(1, 2000)).toBeGreaterThanOrEqual(50)
    expect(backoffMs(1, 2000)).toBeLessThan(100)
    expect(backoffMs(5, 2000)).toBeGreaterThanOrEqual(800)
    for (const attempt of [20, 1_000, 1_000_000]) expect(backoffMs(attempt, 2000)).toBe(2000)
  })
})

describe('redisStore on the shared Redis', () => {
  /** A store on the shared Redis, connected, with its ioredis client and a key prefix of its own. */
  async function connected() {
    const store = open({ url: REDIS_URL })
    const client = store.client as Redis
    const p = randomPrefix()
    await store.ping()
    return { store, client, p }
  }

  it('uses RESP2 on the client it creates', async () => {
    const store = open({ url: REDIS_URL })
    await store.ping()
    const info = String(await (store.client as Redis).client('INFO'))
    expect(info).toContain('resp=2')
    expect(CONNECTION_DEFAULTS.protocol).toBe(2)
  })

  it('is binary safe over a caller’s RESP3 client and leaves that client open on close', async () => {
    const client = new Redis(REDIS_URL, { protocol: 3 })
    try {
      const store = redisStore({ client })
      const p = randomPrefix()
      const all = Uint8Array.from({ length: 256 }, (_, i) => i)
      await store.setMany([
        { key: `${p}all`, value: all },
        { key: `${p}empty`, value: new Uint8Array(0) },
      ])
      expect(await store.getMany([`${p}all`, `${p}empty`, `${p}none`])).toEqual([
        all,
        new Uint8Array(0),
        undefined,
      ])
      expect(String(await client.client('INFO'))).toContain('resp=3')
      await store.clear(p)
      await store.close()
      expect(client.status).toBe('ready')
      expect(await client.ping()).toBe('PONG')
      await expect(store.get(`${p}all`)).rejects.toMatchObject({ code: 'CLOSED' })
    } finally {
      await client.quit()
    }
  })

  it('sets PX from ttlMs (rounded up), and no expiry without one or for Infinity', async () => {
    const { store, client, p } = await connected()
    await store.set(`${p}ttl`, text('x'), 59_999.2)
    await store.set(`${p}none`, text('x'))
    await store.set(`${p}inf`, text('x'), Number.POSITIVE_INFINITY)
    const pttl = await client.pttl(`${p}ttl`)
    expect(pttl).toBeGreaterThan(0)
    expect(pttl).toBeLessThanOrEqual(60_000)
    expect(await client.pttl(`${p}none`)).toBe(-1)
    expect(await client.pttl(`${p}inf`)).toBe(-1)
    await store.clear(p)
  })

  it('stores a TTL past what Redis accepts (over MAX_TTL_MS) without expiry, in set and setMany', async () => {
    const { store, client, p } = await connected()
    await store.set(`${p}huge`, text('h'), 1e19)
    await store.set(`${p}max-value`, text('h'), Number.MAX_VALUE)
    await store.set(`${p}max`, text('m'), MAX_TTL_MS)
    await store.setMany([
      { key: `${p}many-huge`, value: text('h'), ttlMs: 1e19 },
      { key: `${p}many-ok`, value: text('o'), ttlMs: 60_000 },
    ])
    expect(await store.getMany([`${p}huge`, `${p}max-value`, `${p}many-huge`, `${p}many-ok`])).toEqual([
      text('h'),
      text('h'),
      text('h'),
      text('o'),
    ])
    expect(await client.pttl(`${p}huge`)).toBe(-1)
    expect(await client.pttl(`${p}max-value`)).toBe(-1)
    expect(await client.pttl(`${p}many-huge`)).toBe(-1)
    // The longest TTL still sent as PX is accepted by Redis.
    expect(await client.pttl(`${p}max`)).toBeGreaterThan(MAX_TTL_MS - 60_000)
    await store.clear(p)
  })

  it('expires entries with ttlMs 0, negative or -Infinity within a few ms; Infinity never expires', async () => {
    const { store, client, p } = await connected()
    await store.set(`${p}zero`, text('z'), 0)
    await store.set(`${p}neg`, text('n'), -5_000)
    await store.setMany([
      { key: `${p}m0`, value: text('m'), ttlMs: 0 },
      { key: `${p}minf`, value: text('m'), ttlMs: Number.NEGATIVE_INFINITY },
      { key: `${p}inf`, value: text('i'), ttlMs: Number.POSITIVE_INFINITY },
    ])
    await new Promise((resolve) => setTimeout(resolve, 20))
    expect(await store.getMany([`${p}zero`, `${p}neg`, `${p}m0`, `${p}minf`, `${p}inf`])).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
      text('i'),
    ])
    expect(await client.pttl(`${p}inf`)).toBe(-1)
    await store.clear(p)
  })

  it('refuses a client or redisOptions with enableAutoPipelining or keyPrefix, naming the option', () => {
    // Auto-pipelining sends commands a tick late (after the caller may reuse its bytes) and behind setMany's
    // pipelines; a keyPrefix is not applied to SCAN patterns or Cluster slots.
    for (const option of [{ enableAutoPipelining: true }, { keyPrefix: 'kp:' }]) {
      const name = Object.keys(option)[0]!
      const client = new Redis(REDIS_URL, { lazyConnect: true, ...option })
      try {
        expect(() => redisStore({ client })).toThrow(ValidationError)
        expect(() => redisStore({ client })).toThrow(`client has ${name} set`)
        expect(client.status).toBe('wait')
      } finally {
        client.disconnect()
      }
      expect(() => redisStore({ url: REDIS_URL, redisOptions: option })).toThrow(
        expect.objectContaining({
          code: 'INVALID_OPTION',
          message: expect.stringContaining(`redisOptions has ${name} set`),
        }),
      )
    }
    // Off is fine.
    const plain = new Redis(REDIS_URL, { lazyConnect: true, enableAutoPipelining: false, keyPrefix: '' })
    try {
      expect(redisStore({ client: plain }).client).toBe(plain)
    } finally {
      plain.disconnect()
    }
  })

  it('stores the bytes as they were when set() was called, even if the caller reuses the array at once', async () => {
    const store = open({ url: REDIS_URL })
    const p = randomPrefix()
    const value = text('original')
    const pending = store.set(`${p}k`, value)
    const batch = [{ key: `${p}m`, value: text('batched') }]
    const pendingMany = store.setMany(batch)
    value.fill(0)
    batch[0]!.value.fill(0)
    await Promise.all([pending, pendingMany])
    expect(await store.getMany([`${p}k`, `${p}m`])).toEqual([text('original'), text('batched')])
    await store.clear(p)
  })

  it('also once connected, when a set or setMany is serialized at once without a defensive copy', async () => {
    const store = open({ url: REDIS_URL })
    const p = randomPrefix()
    await store.ping()
    const value = text('original')
    const pending = store.set(`${p}k`, value, 60_000)
    value.fill(0)
    await pending
    expect(await store.get(`${p}k`)).toEqual(text('original'))
    // setMany copies until a script call has gone through (a refusal would resend the batch later).
    await store.setMany([
      { key: `${p}w1`, value: text('w') },
      { key: `${p}w2`, value: text('w') },
    ])
    const batch = [1, 2, 3].map((i) => ({ key: `${p}m${i}`, value: text(`batched ${i}`), ttlMs: 60_000 }))
    const pendingMany = store.setMany(batch)
    for (const entry of batch) entry.value.fill(0)
    await pendingMany
    expect(await store.getMany(batch.map((entry) => entry.key))).toEqual(
      [1, 2, 3].map((i) => text(`batched ${i}`)),
    )
    await store.clear(p)
  })

  it('sends the commands of one tick in a few socket writes of up to 32, each answered in order', async () => {
    const store = open({ url: REDIS_URL })
    const p = randomPrefix()
    await store.ping()
    // Idle since the ping: the tick's first command goes out alone, at once.
    await new Promise((resolve) => setTimeout(resolve, 5))
    const socket = (store.client as Redis).stream as unknown as {
      _write: (...args: unknown[]) => unknown
      _writev: (chunks: unknown[], ...rest: unknown[]) => unknown
    }
    const writes: number[] = []
    const write = socket._write
    const writev = socket._writev
    socket._write = function (...args) {
      writes.push(1)
      return write.apply(this, args)
    }
    socket._writev = function (chunks, ...rest) {
      writes.push(chunks.length)
      return writev.call(this, chunks, ...rest)
    }
    try {
      const keys = Array.from({ length: 40 }, (_, i) => `${p}${i}`)
      const sets = keys.map((key, i) => store.set(key, text(`v${i}`)))
      const gets = keys.map((key) => store.get(key))
      await Promise.all(sets)
      expect(await Promise.all(gets)).toEqual(keys.map((_, i) => text(`v${i}`)))
      // The first SET alone; 32 held SETs; the last 7 SETs with the first MGET, sent as soon as it has 32
      // keys; then the MGET of the last 8 GETs at the end of the tick.
      expect(writes).toEqual([1, 32, 8, 1])
    } finally {
      socket._write = write
      socket._writev = writev
    }
    await store.clear(p)
  })

  it('clear() also removes keys under the prefix that are not valid UTF-8', async () => {
    const { store, client, p } = await connected()
    const raw = Buffer.concat([Buffer.from(p), Buffer.from([0xff, 0xfe])])
    await client.set(raw, 'x')
    await store.set(`${p}ok`, text('y'))
    await store.clear(p)
    expect(await client.exists(raw, `${p}ok`)).toBe(0)
  })

  it('rejects bad values and TTLs with a ValidationError and writes nothing', async () => {
    const store = open({ url: REDIS_URL })
    const p = randomPrefix()
    await expect(store.set(`${p}a`, 'text' as never)).rejects.toMatchObject({ code: 'INVALID_VALUE' })
    await expect(store.set(`${p}a`, text('x'), Number.NaN)).rejects.toMatchObject({ code: 'INVALID_TTL' })
    await expect(
      store.setMany([
        { key: `${p}b`, value: text('ok') },
        { key: `${p}c`, value: null as never },
      ]),
    ).rejects.toBeInstanceOf(ValidationError)
    expect(await store.getMany([`${p}a`, `${p}b`])).toEqual([undefined, undefined])
  })

  it('rejects calls after close with code CLOSED; close ends the client even mid-connect', async () => {
    const store = redisStore({ url: REDIS_URL })
    await store.close()
    await expect(store.get('x')).rejects.toMatchObject({ code: 'CLOSED' })
    expect((store.client as Redis).status).toBe('end')
  })
})

describe('redisStore when Redis is unreachable', () => {
  it('fails every call with an InfrastructureError CONNECTION instead of waiting', async () => {
    const store = open({ url: deadUrl })
    const error = await rejection(store.get('x'))
    expect(error).toBeInstanceOf(InfrastructureError)
    expect(error).toMatchObject({ code: 'CONNECTION' })
    expect((error as Error).message).toMatch(/ECONNREFUSED/)
    await expect(store.set('x', text('v'))).rejects.toMatchObject({ code: 'CONNECTION' })
    await expect(store.ping()).rejects.toMatchObject({ code: 'CONNECTION' })
    await expect(store.getMany(['a', 'b'])).rejects.toMatchObject({ code: 'CONNECTION' })
    const iterate = async () => {
      for await (const _ of store.keys('x')) {
        // no keys expected
      }
    }
    await expect(iterate()).rejects.toMatchObject({ code: 'CONNECTION' })
  })
})
