import { describe, expect, it } from 'vitest'
import {
  type Bus,
  createCache,
  InfrastructureError,
  type InvalidationMessage,
  type Lock,
  type Release,
  ValidationError,
} from '../src/index'
import { deferred, flush, until } from './helpers/deferred'
import { chaosCache, chaosStore, manualClock, mapL1, mapStore } from './helpers/stores'

/** An in-process bus: every subscriber gets every message, as over Redis pub/sub. */
function memoryBus(): Bus {
  const listeners = new Set<(message: InvalidationMessage) => void>()
  return {
    async publish(message) {
      for (const listener of listeners) listener(message)
    },
    async subscribe(listener) {
      listeners.add(listener)
      return async () => {
        listeners.delete(listener)
      }
    },
    async close() {},
  }
}

const failingScan = async function* (): AsyncGenerator<string> {
  yield* []
  throw new Error('SCAN failed (chaos)')
}

describe('key scans and the circuit breaker', () => {
  const halfOpenCache = async (namespace: string) => {
    const c = manualClock()
    const { cache, store, inner } = await chaosCache({
      namespace,
      now: c.fn,
      // The guard's own probe runs on a real timer a minute away: only the scan can close the circuit.
      circuitBreaker: { failureThreshold: 1, recovery: '1m' },
    })
    cache.on('error', () => {})
    store.mode = 'fail'
    await cache.get('x')
    expect(cache.stats().circuit).toBe('open')
    store.mode = 'ok'
    c.now += 60_000
    return { cache, store, inner }
  }

  it('deleteByTag() while the circuit is half-open probes with its scan, and a good scan closes it', async () => {
    const { cache, inner } = await halfOpenCache('ho-tag')
    expect(await cache.deleteByTag('t')).toBe(0)
    expect(cache.stats().circuit).toBe('closed')
    await cache.set('a', 1)
    expect(inner.data.has('ho-tag:a')).toBe(true)
    await cache.close()
  })

  it('keys() while the circuit is half-open reports a good scan (closed) and a failed one (open again)', async () => {
    const good = await halfOpenCache('ho-keys')
    for await (const _ of good.cache.keys()) {
    }
    expect(good.cache.stats().circuit).toBe('closed')
    await good.cache.close()

    const bad = await halfOpenCache('ho-keys-bad')
    bad.store.keys = failingScan
    for await (const _ of bad.cache.keys()) {
    }
    expect(bad.cache.stats().circuit).toBe('open')
    await bad.cache.close()
  })

  it('keys() with the circuit open skips L2, reports CIRCUIT_OPEN and still lists L1 keys', async () => {
    const { cache, store } = await chaosCache({
      namespace: 'open-keys',
      circuitBreaker: { failureThreshold: 1, recovery: '1m' },
    })
    await cache.set('k', 1)
    const codes: unknown[] = []
    cache.on('error', (e) => codes.push((e.error as InfrastructureError).code))
    store.mode = 'fail'
    await cache.get('x')
    const seen: string[] = []
    for await (const key of cache.keys()) seen.push(key)
    expect(seen).toEqual(['k'])
    expect(codes.at(-1)).toBe('CIRCUIT_OPEN')
    await cache.close()
  })
})

describe('deleteByTag', () => {
  it('removes an L1 entry past expiry but within grace, so fail-safe cannot serve it afterwards', async () => {
    const c = manualClock()
    const cache = await createCache({ l1: mapL1(), namespace: 'tag-grace', now: c.fn })
    cache.on('error', () => {})
    await cache.set('a', 'tagged', { ttl: '1s', grace: '1h', tags: ['t'] })
    c.now += 2_000
    await cache.deleteByTag('t')
    await expect(cache.getOrSet('a', () => Promise.reject(new Error('source down')))).rejects.toThrow(
      'source down',
    )
    await cache.close()
  })

  it('rejects with an InfrastructureError when an L2 read fails, after removing what L1 holds', async () => {
    const inner = mapStore()
    const writer = await createCache({ store: inner, namespace: 'tag-read' })
    await writer.set('in-l2', 'x', { tags: ['t'] })
    const store = chaosStore(inner)
    const cache = await createCache({ store, l1: mapL1(), namespace: 'tag-read' })
    cache.on('error', () => {})
    await cache.set('in-l1', 'y', { tags: ['t'] })
    store.mode = 'fail' // the scan (not wrapped by chaosStore) works, reads fail
    const outcome = await cache.deleteByTag('t').catch((error: unknown) => error)
    expect(outcome).toBeInstanceOf(InfrastructureError)
    expect((outcome as InfrastructureError).cause).toBeInstanceOf(Error)
    expect(await cache.get('in-l1')).toBeUndefined()
    // Its L2 delete was kept and replays once L2 answers.
    store.mode = 'ok'
    await cache.get('unrelated')
    await until(() => cache.stats().pendingWrites === 0)
    expect(inner.data.has('tag-read:in-l1')).toBe(false)
    await cache.close()
  })

  it('rejects when the L2 scan fails, and other instances still drop their tagged copies', async () => {
    const bus = memoryBus()
    const { cache, store, inner } = await chaosCache({ bus, namespace: 'tag-scan' })
    const other = await createCache({ store: inner, l1: mapL1(), bus, namespace: 'tag-scan' })
    cache.on('error', () => {})
    await other.set('a', 'tagged', { tags: ['t'] })
    await other.set('b', 'untagged')
    store.keys = failingScan
    await expect(cache.deleteByTag('t')).rejects.toBeInstanceOf(InfrastructureError)
    await flush()
    // `other` drops its tagged copy; without it, it would serve it from L1 for the whole TTL.
    inner.data.clear()
    expect(await other.get('a')).toBeUndefined()
    expect(await other.get('b')).toBe('untagged')
    await cache.close()
    await other.close()
  })

  it('rejects with CIRCUIT_OPEN while the circuit is open', async () => {
    const { cache, store } = await chaosCache({
      namespace: 'tag-open',
      circuitBreaker: { failureThreshold: 1, recovery: '1m' },
    })
    cache.on('error', () => {})
    await cache.set('a', 1, { tags: ['t'] })
    store.mode = 'fail'
    await cache.get('x')
    await expect(cache.deleteByTag('t')).rejects.toMatchObject({ code: 'CIRCUIT_OPEN' })
    expect(await cache.get('a')).toBeUndefined()
    await cache.close()
  })
})

describe('replay after an outage', () => {
  it('a pending write that expired during the outage deletes the older L2 entry', async () => {
    const c = manualClock()
    const { cache, store, inner } = await chaosCache({ namespace: 'exp', now: c.fn })
    cache.on('error', () => {})
    await cache.set('k', 'v1', { ttl: '1h' })
    store.mode = 'fail'
    await cache.set('k', 'v2', { ttl: '1s' })
    c.now += 2_000
    store.mode = 'ok'
    await cache.get('other')
    await until(() => cache.stats().pendingWrites === 0)
    expect(inner.data.has('exp:k')).toBe(false)
    expect(await cache.get('k')).toBeUndefined()
    await cache.close()
  })

  it('an expired pending write leaves a newer L2 entry alone', async () => {
    const c = manualClock()
    const { cache, store, inner } = await chaosCache({ namespace: 'exp-new', now: c.fn })
    cache.on('error', () => {})
    store.mode = 'fail'
    await cache.set('k', 'mine', { ttl: '1s' })
    c.now += 2_000
    const writer = await createCache({ store: inner, namespace: 'exp-new', now: c.fn })
    await writer.set('k', 'newer', { ttl: '1h' })
    store.mode = 'ok'
    await cache.get('other')
    await until(() => cache.stats().pendingWrites === 0)
    expect(await cache.get('k')).toBe('newer')
    await cache.close()
  })

  it('clear() while L2 fails resolves, is kept as a pending write, and is replayed before later writes', async () => {
    const { cache, store, inner } = await chaosCache({ namespace: 'clr-out' })
    cache.on('error', () => {})
    await cache.set('old', 'before-clear')
    store.mode = 'fail'
    await expect(cache.clear()).resolves.toBeUndefined()
    expect(cache.stats().pendingWrites).toBe(1)
    await cache.set('new', 'after-clear')
    store.mode = 'ok'
    await cache.get('unrelated')
    await until(() => cache.stats().pendingWrites === 0)
    expect(inner.data.has('clr-out:old')).toBe(false)
    expect(inner.data.has('clr-out:new')).toBe(true)
    expect(await cache.get('old')).toBeUndefined()
    expect(await cache.get('new')).toBe('after-clear')
    await cache.close()
  })

  it('a replayed clear also drops L1 copies of cleared entries read from L2 before the replay', async () => {
    // A high threshold keeps the circuit closed, so reads reach L2 before the clear is replayed.
    const { cache, store } = await chaosCache({
      namespace: 'clr-l1',
      circuitBreaker: { failureThreshold: 100 },
    })
    cache.on('error', () => {})
    await cache.set('k', 'before-clear')
    const clear = store.clear
    store.clear = () => Promise.reject(new Error('clear failed (chaos)'))
    await cache.clear()
    store.clear = clear
    await cache.get('k') // reaches L2 (the clear is still pending) and starts the replay
    await until(() => cache.stats().pendingWrites === 0)
    expect(await cache.get('k')).toBeUndefined()
    await cache.close()
  })
})

describe('getOrSet option checks', () => {
  it('rejects an invalid grace with a ValidationError before running the loader, even with a stale value', async () => {
    const c = manualClock()
    const cache = await createCache({ l1: mapL1(), namespace: 'grace-bad', now: c.fn })
    await cache.set('k', 'stale', { ttl: '1s', grace: '1h' })
    c.now += 2_000
    let calls = 0
    const loader = () => {
      calls++
      return Promise.reject(new Error('source down'))
    }
    for (const grace of ['soon', -1, Number.NaN, {}]) {
      await expect(cache.getOrSet('k', loader, { grace: grace as never })).rejects.toBeInstanceOf(
        ValidationError,
      )
    }
    expect(calls).toBe(0)
    expect(await cache.getOrSet('n', () => 'v', { grace: Number.POSITIVE_INFINITY })).toBe('v')
    await cache.close()
  })
})

describe('lock acquisition', () => {
  it('a lock acquired after the acquire timeout is released as soon as it arrives', async () => {
    const acquired = deferred<Release | undefined>()
    const released: string[] = []
    const lock: Lock = {
      acquire: () => acquired.promise,
      close: async () => {},
    }
    const cache = await createCache({ store: mapStore(), lock, commandTimeout: 20, namespace: 'late-lock' })
    const errors: string[] = []
    cache.on('error', (e) => errors.push(e.operation))
    expect(await cache.getOrSet('k', () => 'v')).toBe('v')
    expect(errors).toEqual(['acquire'])
    acquired.resolve(async () => {
      released.push('k')
      return true
    })
    await flush()
    expect(released).toEqual(['k'])
    await cache.close()
  })

  it('a failed release of a late lock is reported as an error event', async () => {
    const acquired = deferred<Release | undefined>()
    const lock: Lock = { acquire: () => acquired.promise, close: async () => {} }
    const cache = await createCache({ store: mapStore(), lock, commandTimeout: 20, namespace: 'late-fail' })
    const errors: string[] = []
    cache.on('error', (e) => errors.push(e.operation))
    expect(await cache.getOrSet('k', () => 'v')).toBe('v')
    acquired.resolve(() => Promise.reject(new Error('release failed (chaos)')))
    await flush()
    expect(errors).toEqual(['acquire', 'release'])
    await cache.close()
  })
})
