import { describe, expect, it } from 'vitest'
import { createCache } from '../src/index'
import { flush } from './helpers/deferred'
import { chaosCache, manualClock, mapL1, mapStore } from './helpers/stores'

describe('writes made while L2 fails', () => {
  it('a successful write is not counted as failed or pending', async () => {
    const cache = await createCache({ store: mapStore(), l1: mapL1(), namespace: 'ok' })
    await cache.set('a', 1)
    await cache.delete('a')
    expect(cache.stats()).toMatchObject({ failedL2Writes: 0, pendingWrites: 0, droppedWrites: 0 })
  })

  it('are replayed with their remaining TTL once L2 answers, even if the circuit never opened', async () => {
    const c = manualClock()
    const { cache, store, inner } = await chaosCache({ namespace: 'rp', now: c.fn })
    store.mode = 'fail'
    await cache.set('a', 'during', { ttl: 10_000 })
    await cache.delete('gone')
    expect(cache.stats()).toMatchObject({ failedL2Writes: 1, pendingWrites: 2, circuit: 'closed' })
    expect(await cache.get('a')).toBe('during')

    store.mode = 'ok'
    await inner.set('rp:gone', new Uint8Array([1]))
    c.now += 4_000
    await cache.get('unrelated')
    await flush()
    await flush()
    expect(cache.stats().pendingWrites).toBe(0)
    expect(inner.data.has('rp:gone')).toBe(false)
    expect(inner.data.get('rp:a')?.expiresAt).toBe(c.now + 6_000)
    const fresh = await createCache({ store: inner, namespace: 'rp', now: c.fn })
    expect(await fresh.get('a')).toBe('during')
  })

  it('never overwrite an entry another instance wrote later (newest wins)', async () => {
    const c = manualClock()
    const { cache, store, inner } = await chaosCache({ namespace: 'nw', now: c.fn })
    const other = await createCache({ store: inner, namespace: 'nw', now: c.fn })
    store.mode = 'fail'
    await cache.set('k', 'old')
    c.now += 10
    await other.set('k', 'newer elsewhere')
    store.mode = 'ok'
    await cache.get('unrelated')
    await flush()
    await flush()
    expect(cache.stats().pendingWrites).toBe(0)
    expect(await other.get('k')).toBe('newer elsewhere')
  })

  it('keep only the newest write per key and count the ones dropped past maxPendingWrites', async () => {
    const { cache, store } = await chaosCache({ namespace: 'cap', maxPendingWrites: 2 })
    store.mode = 'fail'
    await cache.set('a', 1)
    await cache.set('a', 2)
    await cache.set('b', 1)
    expect(cache.stats()).toMatchObject({ pendingWrites: 2, droppedWrites: 0 })
    await cache.set('c', 1)
    expect(cache.stats()).toMatchObject({ pendingWrites: 2, droppedWrites: 1 })
  })

  it('with nothing reaching L2, the cache probes by itself after recovery, closes the circuit and replays', async () => {
    const { cache, store, inner } = await chaosCache({
      namespace: 'probe',
      circuitBreaker: { failureThreshold: 1, recovery: 30 },
    })
    store.mode = 'fail'
    await cache.set('a', 1)
    expect(cache.stats()).toMatchObject({ circuit: 'open', pendingWrites: 1 })
    expect(await cache.get('a')).toBe(1)
    store.mode = 'ok'
    const deadline = Date.now() + 2_000
    while (cache.stats().pendingWrites > 0 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 10))
    expect(cache.stats()).toMatchObject({ circuit: 'closed', pendingWrites: 0 })
    expect(inner.data.has('probe:a')).toBe(true)
    await cache.close()
  })

  it('a failure too small to open the circuit is retried in the background, without any traffic', async () => {
    const { cache, store, inner } = await chaosCache({ namespace: 'retry' })
    store.mode = 'fail'
    await cache.set('a', 1)
    expect(cache.stats()).toMatchObject({ circuit: 'closed', pendingWrites: 1 })
    store.mode = 'ok'
    const deadline = Date.now() + 3_000
    while (cache.stats().pendingWrites > 0 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 20))
    expect(cache.stats().pendingWrites).toBe(0)
    expect(inner.data.has('retry:a')).toBe(true)
    await cache.close()
  })

  it('clear() drops pending writes, so a later recovery cannot bring cleared entries back', async () => {
    const { cache, store, inner } = await chaosCache({ namespace: 'clr' })
    store.mode = 'fail'
    await cache.set('a', 1)
    store.mode = 'ok'
    await cache.clear()
    await cache.get('unrelated')
    await flush()
    expect(cache.stats().pendingWrites).toBe(0)
    expect(inner.data.has('clr:a')).toBe(false)
    await cache.close()
  })
})
