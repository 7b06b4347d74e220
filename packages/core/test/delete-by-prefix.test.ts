import { describe, expect, it } from 'vitest'
import {
  type Bus,
  createAiCache,
  createCache,
  InfrastructureError,
  type InvalidationMessage,
  type Store,
  ValidationError,
} from '../src/index'
import { deferred } from './helpers/deferred'
import { chaosStore, mapL1, mapStore } from './helpers/stores'

const flush = () => new Promise((resolve) => setTimeout(resolve, 0))

/** A key scan that yields `keys` and then fails, as a SCAN that loses its connection. */
const scanThatFails = (keys: string[]) =>
  async function* (): AsyncGenerator<string> {
    yield* keys
    throw new Error('SCAN failed (test)')
  }

/** A store that counts its calls per method. */
function countingStore(inner: Store) {
  const calls: Record<string, number> = {}
  const counted = new Proxy(inner, {
    get(target, name, receiver) {
      const member = Reflect.get(target, name, receiver)
      if (typeof member !== 'function') return member
      return (...args: unknown[]) => {
        calls[String(name)] = (calls[String(name)] ?? 0) + 1
        return member.apply(target, args)
      }
    },
  })
  return { store: counted, calls }
}

/** An in-process bus that delivers to every subscriber and records what was published. */
function recordingBus(): Bus & { published: InvalidationMessage[] } {
  const published: InvalidationMessage[] = []
  const listeners = new Set<(message: InvalidationMessage) => void>()
  return {
    published,
    async publish(message) {
      published.push(message)
      for (const listener of listeners) listener(message)
    },
    async subscribe(listener) {
      listeners.add(listener)
      return async () => void listeners.delete(listener)
    },
    close: async () => {},
  }
}

describe('deleteByPrefix', () => {
  it('removes the keys starting with the prefix, in both tiers, in this namespace only', async () => {
    const inner = mapStore()
    const bus = recordingBus()
    const cache = await createCache({ store: inner, l1: mapL1(), bus, namespace: 'dp' })
    const neighbour = await createCache({ store: inner, namespace: 'dp2' })
    await cache.setMany([
      { key: 'user:1', value: 1 },
      { key: 'user:2', value: 2 },
      { key: 'users', value: 'not under user:' },
      { key: 'order:1', value: 3 },
    ])
    await neighbour.set('user:1', 'other namespace')
    await inner.delete('dp:user:2') // now only in L1
    expect(await cache.deleteByPrefix('user:')).toBe(2)
    expect(await cache.getMany(['user:1', 'user:2', 'users', 'order:1'])).toEqual([
      undefined,
      undefined,
      'not under user:',
      3,
    ])
    expect(await neighbour.get('user:1')).toBe('other namespace')
    expect(bus.published.slice(-2)).toMatchObject([
      { kind: 'keys', keys: ['dp:user:1', 'dp:user:2'] },
      { kind: 'clear', prefix: 'dp:user:' },
    ])
    await Promise.all([cache.close(), neighbour.close()])
  })

  it('takes characters a glob would treat specially as themselves', async () => {
    const cache = await createCache({ store: mapStore(), namespace: 'glob' })
    await cache.setMany([
      { key: 'a*b:1', value: 1 },
      { key: 'axb:1', value: 2 },
      { key: 'a?[c]:1', value: 3 },
    ])
    expect(await cache.deleteByPrefix('a*')).toBe(1)
    expect(await cache.deleteByPrefix('a?[')).toBe(1)
    expect(await cache.get('axb:1')).toBe(2)
    await cache.close()
  })

  it('deletes in batches of 500 and counts every one', async () => {
    const { store, calls } = countingStore(mapStore())
    const cache = await createCache({ store, namespace: 'many' })
    await cache.setMany(Array.from({ length: 1_234 }, (_, i) => ({ key: `k:${i}`, value: i })))
    expect(await cache.deleteByPrefix('k:')).toBe(1_234)
    expect(calls.deleteMany).toBe(3)
    expect(await cache.get('k:1233')).toBeUndefined()
    await cache.close()
  })

  it('removes an L1 entry past expiry but within grace, so fail-safe cannot serve it', async () => {
    let now = 1_700_000_000_000
    const cache = await createCache({ l1: mapL1(), namespace: 'grace', now: () => now })
    await cache.set('p:a', 'old', { ttl: '1s', grace: '1h' })
    now += 2_000
    await cache.deleteByPrefix('p:')
    await expect(cache.getOrSet('p:a', () => Promise.reject(new Error('source down')))).rejects.toThrow(
      'source down',
    )
    await cache.close()
  })

  it('rejects with an InfrastructureError when the scan fails, after removing what it found', async () => {
    const inner = mapStore()
    const store = chaosStore(inner)
    const cache = await createCache({ store, l1: mapL1(), namespace: 'scanfail' })
    const errors: unknown[] = []
    cache.on('error', ({ error }) => errors.push(error))
    await cache.setMany([
      { key: 'p:1', value: 1 },
      { key: 'p:2', value: 2 },
    ])
    store.keys = scanThatFails(['scanfail:p:1'])
    const outcome = await cache.deleteByPrefix('p:').catch((error: unknown) => error)
    expect(outcome).toBeInstanceOf(InfrastructureError)
    expect((outcome as InfrastructureError).message).toContain('deleteByPrefix("p:")')
    expect(errors).toHaveLength(1)
    expect(inner.data.has('scanfail:p:1')).toBe(false)
    await cache.close()
  })

  it('rejects with CIRCUIT_OPEN while the circuit is open', async () => {
    const store = chaosStore(mapStore())
    const cache = await createCache({
      store,
      namespace: 'open',
      circuitBreaker: { failureThreshold: 1, recovery: '1m' },
    })
    cache.on('error', () => {})
    store.mode = 'fail'
    await cache.get('x')
    await expect(cache.deleteByPrefix('p:')).rejects.toMatchObject({ code: 'CIRCUIT_OPEN' })
    await cache.close()
  })

  it('refuses a prefix that is not a well-formed string', async () => {
    const cache = await createCache({ store: mapStore(), namespace: 'bad' })
    await expect(cache.deleteByPrefix(42 as unknown as string)).rejects.toThrow(ValidationError)
    await expect(cache.deleteByPrefix('p\ud800')).rejects.toThrow(ValidationError)
    await cache.close()
    await expect(cache.deleteByPrefix('p')).rejects.toMatchObject({ code: 'CLOSED' })
  })
})

describe('deleteByPrefix and other instances', () => {
  it('another instance drops its L1 copies under the prefix, even ones L2 no longer holds', async () => {
    const inner = mapStore()
    const bus = recordingBus()
    const cache = await createCache({ store: inner, l1: mapL1(), bus, namespace: 'pb' })
    const otherL1 = mapL1()
    const other = await createCache({ store: inner, l1: otherL1, bus, namespace: 'pb' })
    const neighbour = await createCache({ store: inner, l1: mapL1(), bus, namespace: 'pb2' })
    await other.set('user:1', 'copy')
    await other.set('order:1', 'kept')
    await neighbour.set('user:1', 'other namespace')
    inner.data.delete('pb:user:1') // evicted from L2: no scan can find it
    expect(await cache.deleteByPrefix('user:')).toBe(0)
    await flush()
    expect(otherL1.data.has('user:1')).toBe(false)
    expect(await other.get('order:1')).toBe('kept')
    expect(await neighbour.get('user:1')).toBe('other namespace')
    await Promise.all([cache.close(), other.close(), neighbour.close()])
  })

  it('a load in flight does not store its value after the prefix was deleted', async () => {
    const cache = await createCache({ store: mapStore(), l1: mapL1(), namespace: 'pf' })
    const source = deferred<string>()
    const loading = cache.getOrSet('user:1', () => source.promise)
    await flush()
    await cache.deleteByPrefix('user:')
    source.resolve('read from the source before the change')
    expect(await loading).toBe('read from the source before the change')
    expect(await cache.get('user:1')).toBeUndefined()
    await cache.close()
  })
})

describe('AiCache invalidation', () => {
  it('invalidateOperation and invalidateAll reject when the key scan fails, instead of a partial count', async () => {
    const inner = mapStore()
    const store = chaosStore(inner)
    const cache = await createCache({ store, namespace: 'ai-inv' })
    cache.on('error', () => {})
    const ai = createAiCache({ cache })
    await ai.cacheResponse({ model: 'm', messages: 'one', response: 'r1' })
    await ai.cacheResponse({ model: 'm', messages: 'two', response: 'r2' })
    const [first] = [...inner.data.keys()]
    store.keys = scanThatFails([first!])
    await expect(ai.invalidateOperation('chat')).rejects.toBeInstanceOf(InfrastructureError)
    store.keys = scanThatFails([])
    await expect(ai.invalidateAll()).rejects.toBeInstanceOf(InfrastructureError)
    expect(inner.data.size).toBe(1)
    await cache.close()
  })
})

describe('loads in flight during an invalidation', () => {
  it('deleteByTag: a load that began before it does not store its tagged value afterwards', async () => {
    const cache = await createCache({ store: mapStore(), l1: mapL1(), namespace: 'tag-flight' })
    const source = deferred<string>()
    const loading = cache.getOrSet('k', () => source.promise, { tags: ['t'] })
    await flush()
    expect(await cache.deleteByTag('t')).toBe(0)
    source.resolve('read from the source before the change')
    expect(await loading).toBe('read from the source before the change')
    expect(await cache.get('k')).toBeUndefined()
    await cache.close()
  })

  it('deleteByTag: an L2 read in flight does not copy a tagged entry to L1 afterwards', async () => {
    const inner = mapStore()
    const writer = await createCache({ store: inner, namespace: 'tag-read-flight' })
    await writer.set('k', 'tagged', { tags: ['t'] })
    const reply = deferred<void>()
    const slow: Store = {
      ...inner,
      get: async (key) => {
        const value = await inner.get(key)
        await reply.promise
        return value
      },
      keys: (prefix) => inner.keys(prefix),
    }
    const l1 = mapL1()
    const cache = await createCache({ store: slow, l1, namespace: 'tag-read-flight' })
    const reading = cache.get('k')
    await flush()
    // The scan finds the key in L2, but the tag check reads it through the same slow `get`.
    const deleting = cache.deleteByTag('t')
    reply.resolve()
    await reading
    await deleting
    expect(l1.data.has('k')).toBe(false)
    expect(inner.data.has('tag-read-flight:k')).toBe(false)
    await Promise.all([cache.close(), writer.close()])
  })
})

describe('AiCache.getOrGenerate on a miss', () => {
  it('writes once and never reads the answer back, with or without L1', async () => {
    for (const withL1 of [false, true]) {
      const { store, calls } = countingStore(mapStore())
      const cache = await createCache({
        store,
        namespace: `ai-once-${withL1}`,
        ...(withL1 ? { l1: mapL1() } : {}),
      })
      const ai = createAiCache({ cache })
      const request = { model: 'm', messages: 'hello' }
      const response = await ai.getOrGenerate(request, () => ({ text: 'hi', at: new Date(0) }))
      // The stored form: under JSON a Date is a string, as every later hit returns it.
      expect(response).toEqual({ text: 'hi', at: '1970-01-01T00:00:00.000Z' })
      // Two lookups before generating (the caller's, then the flight's), one write, nothing else.
      const { ping: _connect, ...made } = calls
      expect(made).toEqual({ get: 2, set: 1 })
      expect(cache.stats()).toMatchObject({ hits: 0, tiers: { l2: { hits: 0 } } })
      expect(ai.stats()).toMatchObject({ hits: 0, misses: 1 })
      expect(await ai.getOrGenerate(request, () => 'unused')).toEqual(response)
      await cache.close()
    }
  })
})
