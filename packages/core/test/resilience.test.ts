import { describe, expect, it } from 'vitest'
import { CircuitBreaker, createCache, InfrastructureError } from '../src/index'
import { chaosStore, mapL1, mapStore } from './helpers/stores'

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

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
})

describe('an L2 that fails or stalls', () => {
  it('never makes a call wait much longer than the command timeout', async () => {
    const store = chaosStore(mapStore())
    const cache = await createCache({ store, l1: mapL1(), commandTimeout: 50, namespace: 'stall' })
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
    const store = chaosStore(mapStore())
    const states: string[] = []
    const cache = await createCache({
      store,
      l1: mapL1(),
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

  it('replays writes made during an outage once L2 is back, newest wins', async () => {
    const inner = mapStore()
    const store = chaosStore(inner)
    const cache = await createCache({
      store,
      l1: mapL1(),
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

  it('bounds pending writes and counts the dropped ones', async () => {
    const store = chaosStore(mapStore())
    const cache = await createCache({ store, l1: mapL1(), maxPendingWrites: 2, commandTimeout: 20 })
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
