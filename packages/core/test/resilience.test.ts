import { describe, expect, it, vi } from 'vitest'
import { CircuitBreaker, createCache, InfrastructureError } from '../src/index'
import { sleep, until } from './helpers/deferred'
import { chaosCache, chaosStore, mapL1, mapStore } from './helpers/stores'

describe('circuit breaker', () => {
  it('opens after the threshold, lets one probe through half-open, and closes on success', () => {
    let now = 0
    const states: string[] = []
    const breaker = new CircuitBreaker({
      failureThreshold: 3,
      recoveryMs: 1_000,
      now: () => now,
      onStateChange: (s) => states.push(s),
    })
    breaker.failure()
    breaker.failure()
    expect(breaker.state).toBe('closed')
    breaker.failure()
    expect(breaker.state).toBe('open')
    expect(breaker.allow()).toBe(false)
    now += 1_000
    expect(breaker.allow()).toBe(true)
    expect(breaker.allow()).toBe(false)
    breaker.failure()
    expect(breaker.state).toBe('open')
    now += 1_000
    expect(breaker.allow()).toBe(true)
    breaker.success()
    expect(breaker.state).toBe('closed')
    expect(states).toEqual(['open', 'half-open', 'open', 'half-open', 'closed'])
    expect(breaker.timesOpened).toBe(2)
  })

  it('lets probes start every recovery window while down, however long a failed probe took', () => {
    let now = 0
    const breaker = new CircuitBreaker({ failureThreshold: 1, recoveryMs: 1_000, now: () => now })
    breaker.failure()
    now = 1_000
    expect(breaker.allow()).toBe(true)
    // The probe times out after 300 ms: the next one is due at 2,000, not 2,300.
    now = 1_300
    breaker.failure()
    expect(breaker.state).toBe('open')
    expect(breaker.retryInMs).toBe(700)
    now = 1_999
    expect(breaker.allow()).toBe(false)
    now = 2_000
    expect(breaker.allow()).toBe(true)
    // A probe slower than the window is followed by the next one at once, still one at a time.
    now = 3_500
    breaker.failure()
    expect(breaker.allow()).toBe(true)
    expect(breaker.allow()).toBe(false)
    breaker.success()
    expect(breaker.state).toBe('closed')
  })

  it('a failure outside a probe still opens the circuit from the moment it happened', () => {
    let now = 0
    const breaker = new CircuitBreaker({ failureThreshold: 2, recoveryMs: 1_000, now: () => now })
    breaker.failure()
    now = 500
    breaker.failure()
    expect(breaker.retryInMs).toBe(1_000)
  })
})

describe('an L2 that fails or stalls', () => {
  it('never makes a call wait much longer than the command timeout', async () => {
    const { cache, store } = await chaosCache({ commandTimeout: 50, namespace: 'stall' })
    await cache.set('k', 'v')
    store.mode = 'stall'
    const started = performance.now()
    expect(await cache.get('k')).toBe('v')
    expect(await cache.get('cold')).toBeUndefined()
    await cache.set('k2', 'v2')
    expect(performance.now() - started).toBeLessThan(1_000)
    expect(cache.stats().errors).toBeGreaterThanOrEqual(2)
  })

  it('opens the circuit after repeated failures, serves L1, and recovers by itself', async () => {
    const states: string[] = []
    const { cache, store } = await chaosCache({
      namespace: 'cb',
      circuitBreaker: { failureThreshold: 3, recovery: 100 },
    })
    cache.on('circuit', (e) => states.push(e.state))
    await cache.set('hot', 1)
    store.mode = 'fail'
    for (let i = 0; i < 5; i++) await cache.get(`cold${i}`)
    expect(cache.stats().circuit).toBe('open')
    const callsWhileOpen = store.calls
    await cache.get('cold-again')
    expect(store.calls).toBe(callsWhileOpen)
    expect(await cache.get('hot')).toBe(1)
    expect((await cache.health()).status).toBe('degraded')
    store.mode = 'ok'
    await sleep(150)
    await cache.get('probe')
    expect(cache.stats().circuit).toBe('closed')
    expect(states).toEqual(['open', 'half-open', 'closed'])
    expect((await cache.health()).status).toBe('healthy')
  })

  it('while L2 stays down, the background probe starts every recovery window', async () => {
    vi.useFakeTimers()
    try {
      const { cache, store } = await chaosCache({
        namespace: 'cadence',
        commandTimeout: 300,
        circuitBreaker: { failureThreshold: 1, recovery: 1_000 },
      })
      store.mode = 'stall'
      const read = cache.get('k')
      await vi.advanceTimersByTimeAsync(300)
      expect(await read).toBeUndefined()
      expect(cache.stats().circuit).toBe('open')
      const before = store.calls
      // First probe a recovery window after opening (t = 1,300); it stalls and times out at 1,600.
      await vi.advanceTimersByTimeAsync(1_000)
      expect(store.calls).toBe(before + 1)
      // The next one is due a window after the first started (2,300), not after it timed out (2,600).
      await vi.advanceTimersByTimeAsync(999)
      expect(store.calls).toBe(before + 1)
      await vi.advanceTimersByTimeAsync(1)
      expect(store.calls).toBe(before + 2)
      store.mode = 'ok'
      await vi.advanceTimersByTimeAsync(1_000)
      expect(cache.stats().circuit).toBe('closed')
      await cache.close()
    } finally {
      vi.useRealTimers()
    }
  })

  it('probes an open circuit at once when the store reports a reconnect, and stops listening on close', async () => {
    const listeners = new Set<() => void>()
    const store = Object.assign(chaosStore(mapStore()), {
      onReconnect(listener: () => void) {
        listeners.add(listener)
        return () => listeners.delete(listener)
      },
    })
    const cache = await createCache({
      store,
      l1: mapL1(),
      namespace: 'reconnect',
      circuitBreaker: { failureThreshold: 1, recovery: '1h' },
    })
    store.mode = 'fail'
    await cache.get('cold')
    expect(cache.stats().circuit).toBe('open')
    store.mode = 'ok'
    for (const listener of listeners) listener()
    await until(() => cache.stats().circuit === 'closed', 2_000)
    expect(cache.stats().circuit).toBe('closed')
    await cache.close()
    expect(listeners.size).toBe(0)
  })

  it('replays writes made during an outage once L2 is back, newest wins', async () => {
    const { cache, store, inner } = await chaosCache({
      namespace: 'replay',
      circuitBreaker: { failureThreshold: 1, recovery: 50 },
    })
    await cache.set('a', 'old')
    await cache.set('gone', 'x')
    store.mode = 'fail'
    await cache.set('a', 'during outage')
    await cache.set('b', 'new key')
    await cache.delete('gone')
    expect(cache.stats().pendingWrites).toBe(3)
    expect(cache.stats().failedL2Writes).toBe(2)
    // Another instance wrote "b" after our outage write: its newer value must survive the replay.
    await sleep(5)
    const other = await createCache({ store: inner, namespace: 'replay' })
    await other.set('b', 'newer elsewhere')
    store.mode = 'ok'
    await sleep(80)
    await cache.get('trigger')
    await sleep(20)
    const reader = await createCache({ store: inner, namespace: 'replay' })
    expect(await reader.get('a')).toBe('during outage')
    expect(await reader.get('b')).toBe('newer elsewhere')
    expect(await reader.get('gone')).toBeUndefined()
    expect(cache.stats().pendingWrites).toBe(0)
  })

  it('a pending write keeps bytes of its own, not a view of a block shared with other entries', async () => {
    const inner = mapStore()
    const store = chaosStore(inner)
    const written: Uint8Array[] = []
    const { set, setMany } = store
    store.set = (key, value, ttlMs) => {
      if (store.mode === 'ok') written.push(value)
      return set(key, value, ttlMs)
    }
    store.setMany = (entries) => {
      if (store.mode === 'ok') written.push(...entries.map((e) => e.value))
      return setMany(entries)
    }
    const cache = await createCache({ store, circuitBreaker: { failureThreshold: 1, recovery: 30 } })
    store.mode = 'fail'
    await cache.set('a', { text: 'short enough for the shared block' })
    expect(cache.stats().pendingWrites).toBe(1)
    store.mode = 'ok'
    await sleep(50)
    await cache.get('trigger')
    await until(() => cache.stats().pendingWrites === 0, 2_000)
    expect(written).toHaveLength(1)
    expect(written[0]!.byteLength).toBe(written[0]!.buffer.byteLength)
    expect(await cache.get('a')).toEqual({ text: 'short enough for the shared block' })
    await cache.close()
  })

  it('bounds pending writes and counts the dropped ones', async () => {
    const { cache, store } = await chaosCache({ maxPendingWrites: 2, commandTimeout: 20 })
    store.mode = 'fail'
    for (const k of ['a', 'b', 'c', 'd']) await cache.set(k, k)
    expect(cache.stats().pendingWrites).toBe(2)
    expect(cache.stats().droppedWrites).toBe(2)
  })
})

describe('L2 unreachable at start', () => {
  it('createCache resolves within the connect timeout and serves degraded from L1', async () => {
    const store = chaosStore(mapStore())
    store.mode = 'stall'
    const started = performance.now()
    const cache = await createCache({ store, l1: mapL1(), connectTimeout: 100 })
    expect(performance.now() - started).toBeLessThan(1_000)
    expect(cache.stats().circuit).toBe('open')
    await cache.set('k', 'v')
    expect(await cache.get('k')).toBe('v')
    const health = await cache.health()
    expect(health.status).toBe('degraded')
    expect(health.tiers.l2?.status).toBe('unhealthy')
  })

  it('rejects with an InfrastructureError when failOnConnectionError is set', async () => {
    const store = chaosStore(mapStore())
    store.mode = 'fail'
    const error = await createCache({ store, l1: mapL1(), failOnConnectionError: true }).catch(
      (e: unknown) => e,
    )
    expect(error).toBeInstanceOf(InfrastructureError)
    expect((error as InfrastructureError).code).toBe('CONNECTION')
  })

  it('without L1, an unreachable L2 makes health unhealthy', async () => {
    const store = chaosStore(mapStore())
    store.mode = 'fail'
    const cache = await createCache({ store })
    expect((await cache.health()).status).toBe('unhealthy')
    expect(await cache.get('k')).toBeUndefined()
  })
})
