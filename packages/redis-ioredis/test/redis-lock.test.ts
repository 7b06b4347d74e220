import { countingStore } from '@cache/conformance'
import { createCache, InfrastructureError, ValidationError } from '@cache/core'
import { Redis } from 'ioredis'
import { afterAll, afterEach, describe, expect, test } from 'vitest'
import { MAX_TTL_MS, type RedisLockOptions, redisLock, redisStore } from '../src/index'
import { startTcpProxy } from './helpers/tcp-proxy'
import { uniquePrefix, waitFor } from './helpers/wait-for'

const URL = 'redis://127.0.0.1:6379'
const prefix = uniquePrefix('lock')
const raw = new Redis(URL)
const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})
// Every test releases its locks, so nothing is left behind on the shared Redis.
afterAll(() => raw.disconnect())

function lock(source: Parameters<typeof redisLock>[0] = { url: URL }, options?: RedisLockOptions) {
  const created = redisLock(source, options)
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

  test('refuses a TTL that never ends or that Redis cannot take (past MAX_TTL_MS) with INVALID_TTL', async () => {
    const a = lock({ url: URL }, { wakeOnRelease: false })
    const key = `${prefix}:huge`
    for (const ttlMs of [1e19, Number.MAX_VALUE, Number.POSITIVE_INFINITY]) {
      await expect(a.acquire(key, ttlMs)).rejects.toMatchObject({
        name: 'ValidationError',
        code: 'INVALID_TTL',
      })
    }
    expect(await raw.exists(key)).toBe(0)
    // The longest TTL allowed is one Redis accepts.
    const release = await a.acquire(key, MAX_TTL_MS)
    expect(release).toBeTypeOf('function')
    expect(await raw.pttl(key)).toBeGreaterThan(MAX_TTL_MS - 60_000)
    expect(await release!()).toBe(true)
  })
})

/** Subscribers of `channel` on the shared Redis. */
async function subscribers(channel: string): Promise<number> {
  const reply = (await raw.pubsub('NUMSUB', channel)) as [string, number]
  return Number(reply[1])
}

/** Locks on a channel of their own, each subscribed before it is returned. */
async function wakingLocks(name: string, count: number, options: RedisLockOptions = {}) {
  const channel = `${prefix}:${name}:released`
  const locks = Array.from({ length: count }, () => lock({ url: URL }, { channel, ...options }))
  await waitFor(async () => (await subscribers(channel)) === count, `${count} lock subscribers`)
  // Redis counts a subscription before the client has read the SUBSCRIBE reply.
  await waitFor(() => locks.every((each) => each.listening), `${count} locks to listen`)
  return { channel, locks }
}

describe('redisLock release notices', () => {
  test('waitForRelease resolves true when another lock releases the key', async () => {
    const { locks } = await wakingLocks('wake', 2)
    const [a, b] = locks as [ReturnType<typeof lock>, ReturnType<typeof lock>]
    const key = `${prefix}:wake`
    const release = await a.acquire(key, 5_000)
    const waiting = b.waitForRelease(key, 4_000)
    const other = b.waitForRelease(`${prefix}:other-key`, 100)
    expect(b.waiting).toBe(2)
    expect(await release!()).toBe(true)
    expect(await waiting).toBe(true)
    // A release of one key wakes only that key's waiters.
    expect(await other).toBe(false)
    expect(b.waiting).toBe(0)
  })

  test('a release nobody announces (DEL, a lock with wakeOnRelease off) leaves waiters to their timeout', async () => {
    const { channel, locks } = await wakingLocks('silent', 1)
    const waiter = locks[0]!
    const quiet = lock({ url: URL }, { channel, wakeOnRelease: false })
    const key = `${prefix}:silent`
    const release = await quiet.acquire(key, 5_000)
    const waiting = waiter.waitForRelease(key, 150)
    expect(await release!()).toBe(true)
    expect(await waiting).toBe(false)
    await waiter.acquire(key, 5_000)
    const deleted = waiter.waitForRelease(key, 150)
    await raw.del(key)
    expect(await deleted).toBe(false)
    // wakeOnRelease off: no subscriber connection, and a wait gives up at once.
    expect(await subscribers(channel)).toBe(1)
    expect(await quiet.waitForRelease(key, 60_000)).toBe(false)
  })

  test('waitForRelease with an Infinity or a past-2^31 ms timeout waits for the release', async () => {
    const { locks } = await wakingLocks('long', 2)
    const [a, b] = locks as [ReturnType<typeof lock>, ReturnType<typeof lock>]
    const key = `${prefix}:long`
    const release = await a.acquire(key, 10_000)
    // setTimeout fires at once for a delay past 2^31 - 1 ms: such waits must not end early.
    const forever = b.waitForRelease(key, Number.POSITIVE_INFINITY)
    const long = b.waitForRelease(key, 2 ** 31 + 1_000)
    const short = b.waitForRelease(`${prefix}:long-other`, 150)
    expect(await short).toBe(false)
    expect(b.waiting).toBe(2)
    expect(await release!()).toBe(true)
    expect(await Promise.all([forever, long])).toEqual([true, true])
    // close() still ends a wait without a timer.
    const endless = b.waitForRelease(key, Number.POSITIVE_INFINITY)
    await b.close()
    expect(await endless).toBe(false)
  })

  test('close() ends pending waits and drops the subscription', async () => {
    const { channel, locks } = await wakingLocks('close', 1)
    const a = locks[0]!
    const waiting = a.waitForRelease(`${prefix}:close`, 60_000)
    await a.close()
    expect(await waiting).toBe(false)
    expect(a.waiting).toBe(0)
    expect(await a.waitForRelease(`${prefix}:close`, 60_000)).toBe(false)
    await waitFor(async () => (await subscribers(channel)) === 0, 'the subscriber to go')
  })

  test('a killed subscriber connection wakes its waiters, resubscribes, and wakes on release again', async () => {
    const connectionName = `${prefix}:killed`.replaceAll(':', '-')
    const { channel, locks } = await wakingLocks('killed', 2, { connectionName })
    const [a, b] = locks as [ReturnType<typeof lock>, ReturnType<typeof lock>]
    const key = `${prefix}:killed`
    const release = await a.acquire(key, 5_000)
    const waiting = b.waitForRelease(key, 60_000)
    const mine = String(await raw.client('LIST'))
      .split('\n')
      .filter((line) => line.includes(` name=${connectionName} `))
    expect(mine).toHaveLength(2)
    for (const line of mine) await raw.client('KILL', 'ID', /\bid=(\d+)/.exec(line)![1]!)
    // Notices sent while it was away are lost, so the resubscribed link wakes every waiter to look.
    expect(await waiting).toBe(true)
    await waitFor(async () => (await subscribers(channel)) === 2, 'both locks to resubscribe')
    await waitFor(() => a.listening && b.listening, 'both locks to listen again')
    const again = b.waitForRelease(key, 60_000)
    expect(await release!()).toBe(true)
    expect(await again).toBe(true)
  })

  test('with Redis unreachable a wait is bounded, and gives up at once while the subscriber is down', async () => {
    const link = await startTcpProxy(7121)
    cleanups.push(() => link.close())
    const channel = `${prefix}:offline:released`
    const a = lock({ url: link.url }, { channel })
    const b = lock({ url: URL }, { channel })
    await waitFor(async () => (await subscribers(channel)) === 2, 'the subscribers')
    await waitFor(() => a.listening && b.listening, 'both locks to listen')
    // A partition: the connection looks alive, so the wait runs to its timeout.
    await link.cut('freeze')
    expect(await a.waitForRelease(`${prefix}:offline`, 100)).toBe(false)
    await link.restore()
    // A dropped connection: no notice can arrive, so the wait says so at once (this would time out otherwise).
    await link.cut('refuse')
    await waitFor(() => !a.listening, 'the subscriber to drop')
    expect(await a.waitForRelease(`${prefix}:offline`, 60_000)).toBe(false)
    expect(a.waiting).toBe(0)
    await link.restore()
    await waitFor(() => a.listening, 'the subscriber to come back')
    const release = await b.acquire(`${prefix}:offline`, 5_000)
    const waiting = a.waitForRelease(`${prefix}:offline`, 60_000)
    expect(await release!()).toBe(true)
    expect(await waiting).toBe(true)
  })

  test('validates waitForRelease arguments and its options', async () => {
    const a = lock({ url: URL }, { wakeOnRelease: false })
    await expect(a.waitForRelease('', 10)).rejects.toBeInstanceOf(ValidationError)
    await expect(a.waitForRelease(`${prefix}:v`, Number.NaN)).rejects.toBeInstanceOf(ValidationError)
    expect(() => redisLock({ url: URL }, { channel: '' })).toThrow(ValidationError)
    expect(() => redisLock({ url: URL }, { wakeOnRelease: 'yes' as unknown as boolean })).toThrow(
      ValidationError,
    )
    expect(() => redisLock({ url: URL }, { healthCheckIntervalMs: 0 })).toThrow(ValidationError)
    expect(() => redisLock({ url: URL }, null as unknown as RedisLockOptions)).toThrow(ValidationError)
  })
})

describe('getOrSet across two caches with redisLock', () => {
  async function twoCaches(name: string, holderOptions: RedisLockOptions = {}) {
    const { channel, locks } = await wakingLocks(name, 1)
    const waiterLock = locks[0]!
    const { store: waiterStore, counts: waiterCounts } = countingStore(redisStore({ url: URL }))
    let open!: () => void
    const gate = new Promise<void>((resolve) => (open = resolve))
    const holderLock = lock({ url: URL }, { channel, ...holderOptions })
    if (holderOptions.wakeOnRelease !== false)
      await waitFor(async () => (await subscribers(channel)) === 2, 'the holder subscriber')
    // Records how each wait of the waiter ends; `openOnLongWait` opens the loader's gate at the start of
    // the first wait of 40 ms or more (after ~320 ms of waiting), so the release lands inside that wait.
    const waits: { timeoutMs: number; woken?: boolean; readsBefore: number }[] = []
    let openOnLongWait = false
    const wait = waiterLock.waitForRelease.bind(waiterLock)
    waiterLock.waitForRelease = (key, timeoutMs) => {
      const record: (typeof waits)[number] = { timeoutMs, readsBefore: waiterCounts.get }
      waits.push(record)
      if (openOnLongWait && timeoutMs >= 40) {
        openOnLongWait = false
        open()
      }
      return wait(key, timeoutMs).then((woken) => {
        record.woken = woken
        return woken
      })
    }
    const namespace = `${prefix}-${name}`
    const holder = await createCache({ store: redisStore({ url: URL }), lock: holderLock, namespace })
    const waiter = await createCache({ store: waiterStore, lock: waiterLock, namespace, lockWait: '10s' })
    cleanups.push(async () => {
      await raw.del(`${namespace}:k`)
      await Promise.all([holder.close(), waiter.close()])
    })
    let loads = 0
    const loader = async () => {
      loads++
      await gate
      return { v: name }
    }
    return {
      holder,
      waiter,
      waiterCounts,
      waits,
      loader,
      open,
      openOnLongWait: () => {
        openOnLongWait = true
      },
      loads: () => loads,
    }
  }

  test('the waiter reads Redis once more after the release, not at its next poll', async () => {
    const t = await twoCaches('cache-wake')
    const first = t.holder.getOrSet('k', t.loader)
    // The holder is in its loader (the gate is shut) before the waiter asks.
    await waitFor(async () => (await raw.exists(`${prefix}-cache-wake:k:lock`)) === 1, 'the lock')
    t.openOnLongWait()
    const second = t.waiter.getOrSet('k', t.loader)
    expect(await first).toEqual({ v: 'cache-wake' })
    expect(await second).toEqual({ v: 'cache-wake' })
    expect(t.loads()).toBe(1)
    // The wait in progress at the release ended with it, and the one read after it found the value.
    const last = t.waits.at(-1)!
    expect(last.timeoutMs).toBeGreaterThanOrEqual(40)
    expect(last.woken).toBe(true)
    expect(t.waiterCounts.get).toBe(last.readsBefore + 1)
  })

  test('a holder that does not announce its release: the waiter still finds the value by polling', async () => {
    const t = await twoCaches('cache-poll', { wakeOnRelease: false })
    const first = t.holder.getOrSet('k', t.loader)
    await waitFor(async () => (await raw.exists(`${prefix}-cache-poll:k:lock`)) === 1, 'the lock')
    t.openOnLongWait()
    const second = t.waiter.getOrSet('k', t.loader)
    expect(await Promise.all([first, second])).toEqual([{ v: 'cache-poll' }, { v: 'cache-poll' }])
    expect(t.loads()).toBe(1)
    // No notice: every wait ran out, and the poll after the last one found the value.
    expect(t.waits.length).toBeGreaterThan(1)
    expect(t.waits.every((w) => w.woken === false)).toBe(true)
  })
})
