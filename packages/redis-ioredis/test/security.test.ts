import { execFileSync } from 'node:child_process'
import { readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { inspect } from 'node:util'
import { type CacheEvents, createCache, InfrastructureError } from '@cache/core'
import { memoryL1 } from '@cache/memory'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type RedisStore, redisLock, redisStore } from '../src/index'
import { type RedisServer, startRedisServer, tempDir } from './helpers/redis-process'
import { REDIS_URL } from './helpers/redis-url'

// Both servers get free ports of this package's test range (7000-7099) when they start.
let authPort = 0
let tlsPort = 0
// Characters that must be percent-encoded in a URL, to prove decoding and redaction of both forms.
const ADMIN_PASSWORD = 'Adm1n:p@ss/w%rd'
const APP_USER = 'app'
const APP_PASSWORD = 'App-Pa55-7f3c9e'
const WRONG_PASSWORD = 'Wr0ng-Pa55-d41d8c'
const enc = encodeURIComponent

/** Every form a secret could leak in: the message, the full inspected error chain, and JSON. */
function leaks(value: unknown, secret: string): boolean {
  const texts = [inspect(value, { depth: 10 }), JSON.stringify(value) ?? '']
  if (value instanceof Error) texts.push(value.message, String(value.stack))
  return texts.some((text) => text.includes(secret) || text.includes(enc(secret)))
}

describe('AUTH and ACL users', () => {
  let server: RedisServer
  beforeAll(async () => {
    server = await startRedisServer({
      args: () => [
        '--requirepass',
        ADMIN_PASSWORD,
        '--user',
        APP_USER,
        'on',
        `>${APP_PASSWORD}`,
        '~*',
        '&*',
        '+@all',
        // Least privilege: one key pattern, data commands only (no INFO, CONFIG, KEYS, FLUSH*).
        '--user',
        'narrow',
        'on',
        `>${APP_PASSWORD}`,
        '~narrow:*',
        '+@read',
        '+@write',
        '+@keyspace',
        '-@dangerous',
        '+ping',
        // Every key and command but no pub/sub channel, as Redis 7 sets up a new ACL user by default.
        '--user',
        'nochannels',
        'on',
        `>${APP_PASSWORD}`,
        '~*',
        '+@all',
      ],
    })
    authPort = server.port
  })
  afterAll(async () => {
    await server?.stop()
  })

  const stores: RedisStore[] = []
  const open = (url: string) => {
    const store = redisStore({ url })
    stores.push(store)
    return store
  }
  afterAll(async () => {
    for (const store of stores) await store.close()
  })

  it('connects with the default user password (percent-encoded in the URL)', async () => {
    const store = open(`redis://:${enc(ADMIN_PASSWORD)}@127.0.0.1:${authPort}`)
    await store.set('sec:default', new Uint8Array([1, 2, 3]))
    expect(await store.get('sec:default')).toEqual(new Uint8Array([1, 2, 3]))
  })

  it('connects as an ACL user and selects the database from the URL', async () => {
    const store = open(`redis://${APP_USER}:${APP_PASSWORD}@127.0.0.1:${authPort}/3`)
    await store.set('sec:acl', new Uint8Array([9]))
    const admin = new Redis({ port: authPort, host: '127.0.0.1', password: ADMIN_PASSWORD, db: 3 })
    try {
      expect(await admin.acl('WHOAMI')).toBe('default')
      expect(await admin.getBuffer('sec:acl')).toEqual(Buffer.from([9]))
      await admin.select(0)
      expect(await admin.exists('sec:acl')).toBe(0)
      const clients = String(await admin.client('LIST'))
      // Our connection: the ACL user, the URL's database, and RESP2 as chosen in connection.ts.
      expect(clients).toMatch(new RegExp(`db=3 .*user=${APP_USER} .*resp=2`))
    } finally {
      await admin.quit()
    }
  })

  it('works for a least-privilege ACL user limited to its key pattern', async () => {
    const store = open(`redis://narrow:${APP_PASSWORD}@127.0.0.1:${authPort}`)
    await store.setMany([
      { key: 'narrow:a', value: new Uint8Array([1]) },
      { key: 'narrow:b', value: new Uint8Array([2]), ttlMs: 60_000 },
    ])
    expect(await store.getMany(['narrow:a', 'narrow:b'])).toEqual([new Uint8Array([1]), new Uint8Array([2])])
    const listed: string[] = []
    for await (const key of store.keys('narrow:')) listed.push(key)
    expect(listed.sort()).toEqual(['narrow:a', 'narrow:b'])
    expect(await store.ping()).toBeGreaterThanOrEqual(0)
    await store.clear('narrow:')
    expect(await store.getMany(['narrow:a', 'narrow:b'])).toEqual([undefined, undefined])
    // Outside its pattern Redis refuses; that is a plain INFRASTRUCTURE error, not an outage.
    await expect(store.get('other:a')).rejects.toMatchObject({ code: 'INFRASTRUCTURE' })
  })

  it('redisLock works for a user without channel permissions: releases succeed, waiters poll', async () => {
    const url = `redis://nochannels:${APP_PASSWORD}@127.0.0.1:${authPort}`
    const admin = new Redis({ port: authPort, host: '127.0.0.1', password: ADMIN_PASSWORD })
    const [a, b] = [redisLock({ url }), redisLock({ url })]
    try {
      await expect(admin.publish('cache:lock:released', 'x')).resolves.toBe(0)
      const release = await a.acquire('nochan:lock', 5_000)
      const waiting = b.waitForRelease('nochan:lock', 100)
      expect(await release!()).toBe(true)
      expect(await admin.exists('nochan:lock')).toBe(0)
      // PUBLISH and SUBSCRIBE are refused (NOPERM), so no notice: the wait runs out.
      expect(await waiting).toBe(false)
      const cache = async () =>
        createCache({ store: open(url), lock: redisLock({ url }), namespace: 'nochan', lockWait: '10s' })
      const [one, two] = await Promise.all([cache(), cache()])
      let loads = 0
      const loader = async () => {
        loads++
        await new Promise((resolve) => setTimeout(resolve, 30))
        return 'polled'
      }
      expect(await Promise.all([one.getOrSet('k', loader), two.getOrSet('k', loader)])).toEqual([
        'polled',
        'polled',
      ])
      expect(loads).toBe(1)
      await Promise.all([one.close(), two.close()])
    } finally {
      await Promise.all([a.close(), b.close()])
      await admin.quit()
    }
  })

  it('a wrong password is an InfrastructureError CONNECTION that never shows the password', async () => {
    const store = open(`redis://${APP_USER}:${WRONG_PASSWORD}@127.0.0.1:${authPort}`)
    const error = await store.get('sec:any').then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(error).toBeInstanceOf(InfrastructureError)
    expect((error as InfrastructureError).code).toBe('CONNECTION')
    expect((error as Error).message).toMatch(/WRONGPASS/)
    expect(leaks(error, WRONG_PASSWORD)).toBe(false)
    await expect(store.ping()).rejects.toBeInstanceOf(InfrastructureError)
  })

  it('createCache with a wrong password: rejects (failOnConnectionError) without the password', async () => {
    const url = `redis://:${WRONG_PASSWORD}@127.0.0.1:${authPort}`
    const error = await createCache({ store: redisStore({ url }), failOnConnectionError: true }).then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(error).toBeInstanceOf(InfrastructureError)
    expect((error as InfrastructureError).code).toBe('CONNECTION')
    expect(leaks(error, WRONG_PASSWORD)).toBe(false)
  })

  it('createCache with a wrong password: degraded, and health, stats and error events omit the password', async () => {
    const url = `redis://${APP_USER}:${enc(WRONG_PASSWORD)}@127.0.0.1:${authPort}`
    const cache = await createCache({ store: redisStore({ url }), l1: memoryL1(), namespace: 'sec-degraded' })
    const events: CacheEvents['error'][] = []
    cache.on('error', (event) => events.push(event))
    try {
      await cache.set('k', 'v')
      expect(await cache.get('k')).toBe('v')
      const health = await cache.health()
      expect(health.status).toBe('degraded')
      expect(health.tiers.l2?.status).toBe('unhealthy')
      expect(health.tiers.l2?.error).toMatch(/WRONGPASS/)
      expect(leaks(health, WRONG_PASSWORD)).toBe(false)
      expect(leaks(cache.stats(), WRONG_PASSWORD)).toBe(false)
      expect(leaks(events, WRONG_PASSWORD)).toBe(false)
    } finally {
      await cache.close()
    }
  })
})

describe('rediss:// against a TLS redis-server', () => {
  let server: RedisServer
  let ca: Buffer
  const dir = tempDir('tls')
  beforeAll(async () => {
    const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' })
    const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes']
    openssl(
      'req',
      '-x509',
      ...ec,
      '-keyout',
      'ca.key',
      '-out',
      'ca.crt',
      '-days',
      '1',
      '-subj',
      '/CN=cache-test-ca',
    )
    openssl('req', ...ec, '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=localhost')
    writeFileSync(join(dir, 'san.cnf'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n')
    openssl(
      'x509',
      '-req',
      '-in',
      'server.csr',
      '-CA',
      'ca.crt',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      'server.crt',
      '-days',
      '1',
      '-extfile',
      'san.cnf',
    )
    ca = readFileSync(join(dir, 'ca.crt'))
    server = await startRedisServer({
      tlsOnly: true,
      sharedDir: dir,
      args: (port) => [
        '--tls-port',
        String(port),
        '--tls-cert-file',
        join(dir, 'server.crt'),
        '--tls-key-file',
        join(dir, 'server.key'),
        '--tls-ca-cert-file',
        join(dir, 'ca.crt'),
        '--tls-auth-clients',
        'no',
        '--requirepass',
        ADMIN_PASSWORD,
      ],
    })
    tlsPort = server.port
  })
  afterAll(async () => {
    await server?.stop()
    rmSync(dir, { recursive: true, force: true })
  })

  it('reads and writes over TLS with the password from the URL', async () => {
    const store = redisStore({
      url: `rediss://:${enc(ADMIN_PASSWORD)}@127.0.0.1:${tlsPort}`,
      redisOptions: { tls: { ca } },
    })
    try {
      const value = new Uint8Array([0, 255, 13, 10, 42])
      await store.set('sec:tls', value, 10_000)
      expect(await store.get('sec:tls')).toEqual(value)
      expect(await store.ping()).toBeGreaterThanOrEqual(0)
    } finally {
      await store.close()
    }
  })

  it('verifies the certificate: without the CA the connection fails, password-free', async () => {
    const store = redisStore({ url: `rediss://:${enc(ADMIN_PASSWORD)}@127.0.0.1:${tlsPort}` })
    try {
      const error = await store.get('sec:tls').then(
        () => undefined,
        (e: unknown) => e,
      )
      expect(error).toBeInstanceOf(InfrastructureError)
      expect((error as InfrastructureError).code).toBe('CONNECTION')
      expect((error as Error).message).toMatch(/certificate/i)
      expect(leaks(error, ADMIN_PASSWORD)).toBe(false)
    } finally {
      await store.close()
    }
  })

  it('a plain redis:// client cannot talk to the TLS port', async () => {
    const store = redisStore({ url: `redis://:${enc(ADMIN_PASSWORD)}@127.0.0.1:${tlsPort}` })
    try {
      await expect(store.get('sec:tls')).rejects.toBeInstanceOf(InfrastructureError)
    } finally {
      await store.close()
    }
  })
})

describe('clear(prefix) stays inside its prefix', () => {
  const base = `sec:${Date.now().toString(36)}:${Math.random().toString(36).slice(2, 8)}:`
  const store = redisStore({ url: REDIS_URL })
  afterAll(async () => {
    await store.clear(base)
    await store.close()
  })

  it('removes its own keys and keeps other and glob-lookalike prefixes', async () => {
    const own = `${base}app[1]*?\\:`
    const survivors = [
      `${base}app1X\\:k`, // what the unescaped glob "app[1]*?\:" would match
      `${base}app[1]:k`, // a sibling prefix that only shares a head
      `${base}app[1]*?\\`, // the prefix minus its last character, a key itself
      `${base}other:k`,
      `${base}APP[1]*?\\:k`,
    ]
    await store.setMany([
      ...['a', 'b', 'c:d', ''].map((suffix) => ({ key: `${own}${suffix}`, value: new Uint8Array([1]) })),
      ...survivors.map((key) => ({ key, value: new Uint8Array([2]) })),
    ])
    await store.clear(own)
    expect(await store.getMany([`${own}a`, `${own}b`, `${own}c:d`, own])).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
    ])
    expect(await store.getMany(survivors)).toEqual(survivors.map(() => new Uint8Array([2])))
    const listed: string[] = []
    for await (const key of store.keys(base)) listed.push(key)
    expect(listed.sort()).toEqual([...survivors].sort())
  })
})
