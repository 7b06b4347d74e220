import { afterEach, describe, expect, it, vi } from 'vitest'
import { createCache, type Lock, type Release, type Store } from '../src/index'
import { mapStore } from './helpers/stores'

type WaitMode = 'notify' | 'give-up-at-once' | 'reject' | 'hang'

/** A Map-backed Lock shared by the caches of one test, as a Redis lock is shared by processes. */
function mapLock(held: Map<string, number>, mode?: WaitMode) {
  const log: string[] = []
  let waitStarted: () => void = () => {}
  const state = {
    log,
    waits: [] as (boolean | 'rejected')[],
    timeouts: [] as number[],
    /** Resolves when the next `waitForRelease` has started. */
    nextWait: () => new Promise<void>((resolve) => (waitStarted = resolve)),
  }
  let token = 0
  const lock: Lock = {
    async acquire(key) {
      if (held.has(key)) return undefined
      const mine = ++token
      held.set(key, mine)
      const release: Release = async () => {
        log.push('release')
        if (held.get(key) !== mine) return false
        held.delete(key)
        for (const wake of others.get(key)?.splice(0) ?? []) wake(true)
        return true
      }
      return release
    },
    async close() {},
  }
  // Releases wake the waiters of every lock built on the same `held` map.
  const others = sharedWaiters.get(held) ?? new Map<string, ((released: boolean) => void)[]>()
  sharedWaiters.set(held, others)
  if (mode) {
    lock.waitForRelease = (key, timeoutMs) => {
      const record = (result: boolean | 'rejected') => state.waits.push(result)
      state.timeouts.push(timeoutMs)
      queueMicrotask(waitStarted)
      if (mode === 'give-up-at-once') return Promise.resolve(false).finally(() => record(false))
      if (mode === 'reject')
        return Promise.reject(new Error('subscriber gone')).finally(() => record('rejected'))
      return new Promise<boolean>((resolve) => {
        if (mode === 'notify') {
          const timer = setTimeout(() => resolve(false), timeoutMs)
          const list = others.get(key) ?? []
          list.push((released) => {
            clearTimeout(timer)
            resolve(released)
          })
          others.set(key, list)
        }
      }).then((released) => {
        record(released)
        return released
      })
    }
  }
  return Object.assign(lock, state)
}
const sharedWaiters = new WeakMap<Map<string, number>, Map<string, ((released: boolean) => void)[]>>()

/** Counts L2 reads, and logs writes into `log`. */
function countingStore(inner: Store, log: string[] = []) {
  const counts = { reads: 0 }
  const store: Store = {
    ...inner,
    name: inner.name,
    capabilities: inner.capabilities,
    get(key) {
      counts.reads++
      return inner.get(key)
    },
    async set(key, value, ttlMs) {
      await inner.set(key, value, ttlMs)
      log.push('set')
    },
  }
  return Object.assign(store, { counts })
}

/** A loader that runs only once `open()` is called. */
function gatedLoader(value: unknown) {
  let open!: () => void
  const gate = new Promise<void>((resolve) => (open = resolve))
  const calls = { count: 0 }
  const loader = async () => {
    calls.count++
    await gate
    return value
  }
  return { loader, open, calls }
}

afterEach(() => {
  vi.useRealTimers()
})

describe('getOrSet with a lock that can announce releases', () => {
  it('a waiter re-reads L2 when the holder releases, not at its next poll', async () => {
    const shared = mapStore()
    const held = new Map<string, number>()
    const holderLock = mapLock(held, 'notify')
    const waiterLock = mapLock(held, 'notify')
    const waiterStore = countingStore(shared)
    const holder = await createCache({ store: countingStore(shared, holderLock.log), lock: holderLock })
    const waiter = await createCache({ store: waiterStore, lock: waiterLock, lockWait: '10s' })
    const { loader, open, calls } = gatedLoader({ v: 1 })
    const first = holder.getOrSet('k', loader)
    // The holder is inside its loader once the waiter finds the lock taken and starts waiting.
    const waiting = waiterLock.nextWait()
    const second = waiter.getOrSet('k', loader)
    await waiting
    expect(waiterStore.counts.reads).toBe(1)
    open()
    expect(await first).toEqual({ v: 1 })
    expect(await second).toEqual({ v: 1 })
    expect(calls.count).toBe(1)
    // One wait, ended by the release; one read after it found the value.
    expect(waiterLock.waits).toEqual([true])
    // It would have waited four poll intervals (4 x 2 ms) for the notice before polling anyway.
    expect(waiterLock.timeouts).toEqual([8])
    expect(waiterStore.counts.reads).toBe(2)
    // The holder released only once the value was in L2.
    expect(holderLock.log).toEqual(['set', 'release'])
    await Promise.all([holder.close(), waiter.close()])
  })

  it('a lock without the capability is polled as before', async () => {
    const shared = mapStore()
    const held = new Map<string, number>()
    const holder = await createCache({ store: shared, lock: mapLock(held) })
    const waiterStore = countingStore(shared)
    const waiter = await createCache({ store: waiterStore, lock: mapLock(held), lockWait: '10s' })
    const { loader, open, calls } = gatedLoader('polled')
    const first = holder.getOrSet('k', loader)
    const second = waiter.getOrSet('k', loader)
    // Polls until the value lands; more than the first read proves it kept looking.
    while (waiterStore.counts.reads < 3) await new Promise((resolve) => setTimeout(resolve, 1))
    open()
    expect(await Promise.all([first, second])).toEqual(['polled', 'polled'])
    expect(calls.count).toBe(1)
    await Promise.all([holder.close(), waiter.close()])
  })

  it('a wait that gives up at once does not turn the poll into a busy loop', async () => {
    vi.useFakeTimers()
    const shared = mapStore()
    const held = new Map<string, number>()
    const waiterLock = mapLock(held, 'give-up-at-once')
    const waiterStore = countingStore(shared)
    const holder = await createCache({ store: shared, lock: mapLock(held) })
    const waiter = await createCache({ store: waiterStore, lock: waiterLock, lockWait: '10s' })
    const { loader, open } = gatedLoader('slept')
    const first = holder.getOrSet('k', loader)
    const second = waiter.getOrSet('k', loader)
    await vi.advanceTimersByTimeAsync(0)
    // The first read, one wait that gave up, and then a sleep, not another read.
    expect(waiterStore.counts.reads).toBe(1)
    expect(waiterLock.waits).toEqual([false])
    await vi.advanceTimersByTimeAsync(2)
    expect(waiterStore.counts.reads).toBe(2)
    open()
    await vi.advanceTimersByTimeAsync(100)
    expect(await Promise.all([first, second])).toEqual(['slept', 'slept'])
    await Promise.all([holder.close(), waiter.close()])
  })

  it.each([
    ['rejects', 'reject'],
    ['never settles', 'hang'],
  ] as const)('a wait that %s is bounded and polling finds the value', async (_name, mode) => {
    vi.useFakeTimers()
    const shared = mapStore()
    const held = new Map<string, number>()
    const waiterLock = mapLock(held, mode)
    const holder = await createCache({ store: shared, lock: mapLock(held) })
    const waiter = await createCache({ store: shared, lock: waiterLock, lockWait: '10s' })
    const errors: string[] = []
    waiter.on('error', (event) => errors.push(`${event.tier}:${event.operation}`))
    const { loader, open, calls } = gatedLoader('bounded')
    const first = holder.getOrSet('k', loader)
    const second = waiter.getOrSet('k', loader)
    await vi.advanceTimersByTimeAsync(0)
    open()
    await vi.advanceTimersByTimeAsync(200)
    expect(await Promise.all([first, second])).toEqual(['bounded', 'bounded'])
    expect(calls.count).toBe(1)
    expect(errors.length).toBeGreaterThan(0)
    expect(new Set(errors)).toEqual(new Set(['lock:wait']))
    await Promise.all([holder.close(), waiter.close()])
  })

  it('the holder returns the value once L2 holds it, without waiting for the release to answer', async () => {
    let answer!: (released: boolean) => void
    const releases: string[] = []
    const lock: Lock = {
      async acquire(key) {
        return () => {
          releases.push(key)
          return new Promise<boolean>((resolve) => (answer = resolve))
        }
      },
      async close() {},
    }
    const log: string[] = []
    const cache = await createCache({ store: countingStore(mapStore(), log), lock, namespace: 'held' })
    const errors: unknown[] = []
    cache.on('error', (event) => errors.push(event.error))
    expect(await cache.getOrSet('k', () => 'value')).toBe('value')
    expect(log).toEqual(['set'])
    expect(releases).toEqual(['held:k:lock'])
    answer(true)
    await cache.close()
    expect(releases).toHaveLength(1)
    expect(errors).toEqual([])
  })

  it('a release that throws (instead of rejecting) is reported and the value still returned', async () => {
    const lock: Lock = {
      async acquire() {
        return () => {
          throw new Error('release blew up')
        }
      },
      async close() {},
    }
    const cache = await createCache({ store: mapStore(), lock })
    const errors: string[] = []
    cache.on('error', (event) => errors.push(`${event.tier}:${event.operation}`))
    expect(await cache.getOrSet('k', () => 'value')).toBe('value')
    expect(errors).toEqual(['lock:release'])
    await cache.close()
  })
})
