import { describe, expect, it } from 'vitest'
import { createCache, type Store } from '../src/index'
import { deferred } from './helpers/deferred'
import { chaosStore, mapL1, mapStore } from './helpers/stores'

const flush = () => new Promise((resolve) => setTimeout(resolve, 0))

/**
 * A failing-then-recovering store whose first `getMany` after recovery (the replay's first step) waits
 * for `release()`: reads made meanwhile see L2 as it was before the outage's writes.
 */
function recoveringStore() {
  const inner = mapStore()
  const chaos = chaosStore(inner)
  let gate: Promise<void> | undefined
  const store: Store = {
    ...chaos,
    getMany: async (keys) => {
      const held = gate
      gate = undefined
      if (held) await held
      return chaos.getMany(keys)
    },
  }
  return {
    inner,
    store,
    fail: () => {
      chaos.mode = 'fail'
    },
    /** L2 answers again, and the replay is held at its first `getMany` until `release()`. */
    recover: () => {
      chaos.mode = 'ok'
      const held = deferred<void>()
      gate = held.promise
      return () => held.resolve()
    },
  }
}

describe('reads while writes made during an outage are not replayed yet', () => {
  it('a key deleted during the outage reads as a miss, not the value L2 still holds', async () => {
    const l2 = recoveringStore()
    const cache = await createCache({ store: l2.store, namespace: 'pd' })
    await cache.set('k', 'before')
    l2.fail()
    await cache.delete('k')
    expect(cache.stats().pendingWrites).toBe(1)
    const release = l2.recover()
    // The first read to get an answer starts the replay, which stays held: L2 still has 'before'.
    expect(await cache.get('k')).toBeUndefined()
    expect(await cache.has('k')).toBe(false)
    expect(await cache.getMany(['k'])).toEqual([undefined])
    expect(await cache.getOrSet('k', () => 'loaded')).toBe('loaded')
    release()
    await flush()
    await flush()
    expect(cache.stats().pendingWrites).toBe(0)
    expect(await cache.get('k')).toBe('loaded')
    await cache.close()
  })

  it('a key set during the outage reads as that value, from every read path', async () => {
    const l2 = recoveringStore()
    const cache = await createCache({ store: l2.store, namespace: 'ps' })
    await cache.set('k', 'before')
    l2.fail()
    await cache.set('k', 'during')
    // Without L1 the write is only pending, and reads find it there even while L2 fails.
    expect(await cache.get('k')).toBe('during')
    const release = l2.recover()
    expect(await cache.get('k')).toBe('during')
    expect(await cache.getMany(['k', 'other'])).toEqual(['during', undefined])
    expect(await cache.getOrSet('k', () => 'loaded')).toBe('during')
    expect(await cache.has('k')).toBe(true)
    release()
    await flush()
    await flush()
    expect(cache.stats().pendingWrites).toBe(0)
    const other = await createCache({ store: l2.inner, namespace: 'ps' })
    expect(await other.get('k')).toBe('during')
    await Promise.all([cache.close(), other.close()])
  })

  it("another instance's later write wins over the pending one, as at replay", async () => {
    const l2 = recoveringStore()
    const cache = await createCache({ store: l2.store, namespace: 'pw' })
    const other = await createCache({ store: l2.inner, namespace: 'pw' })
    l2.fail()
    await cache.set('k', 'pending here')
    await cache.delete('gone')
    await new Promise((resolve) => setTimeout(resolve, 5))
    await other.set('k', 'newer elsewhere')
    await other.set('gone', 'recreated elsewhere')
    const release = l2.recover()
    expect(await cache.get('k')).toBe('newer elsewhere')
    expect(await cache.getMany(['k', 'gone'])).toEqual(['newer elsewhere', 'recreated elsewhere'])
    release()
    await flush()
    await flush()
    expect(await other.get('k')).toBe('newer elsewhere')
    await Promise.all([cache.close(), other.close()])
  })

  it('entries older than a clear() made during the outage read as misses until it is replayed', async () => {
    const l2 = recoveringStore()
    const cache = await createCache({ store: l2.store, namespace: 'pc' })
    await cache.setMany([
      { key: 'a', value: 1 },
      { key: 'b', value: 2 },
    ])
    l2.fail()
    await new Promise((resolve) => setTimeout(resolve, 2))
    await cache.clear()
    await cache.set('b', 'after clear')
    const release = l2.recover()
    expect(await cache.get('a')).toBeUndefined()
    expect(await cache.has('a')).toBe(false)
    expect(await cache.getMany(['a', 'b'])).toEqual([undefined, 'after clear'])
    release()
    await flush()
    await flush()
    expect(cache.stats().pendingWrites).toBe(0)
    expect(l2.inner.data.has('pc:a')).toBe(false)
    expect(await cache.get('b')).toBe('after clear')
    await cache.close()
  })

  it('an L1 is not backfilled with what a pending delete removed', async () => {
    const l2 = recoveringStore()
    const l1 = mapL1()
    const cache = await createCache({ store: l2.store, l1, namespace: 'pl' })
    await cache.set('k', 'before')
    l2.fail()
    await cache.delete('k')
    l2.recover()
    expect(await cache.get('k')).toBeUndefined()
    expect(l1.data.has('k')).toBe(false)
    await cache.close()
  })
})

describe('maxPendingWrites', () => {
  it('drops the oldest write, never a pending clear()', async () => {
    const inner = mapStore()
    const store = chaosStore(inner)
    const cache = await createCache({ store, l1: mapL1(), namespace: 'cap', maxPendingWrites: 2 })
    await cache.set('old', 'before the clear')
    store.mode = 'fail'
    await new Promise((resolve) => setTimeout(resolve, 2))
    await cache.clear()
    await cache.set('x', 1)
    await cache.set('y', 2)
    await cache.set('z', 3)
    expect(cache.stats()).toMatchObject({ pendingWrites: 2, droppedWrites: 2 })
    store.mode = 'ok'
    await cache.get('unrelated')
    await flush()
    await flush()
    expect(cache.stats().pendingWrites).toBe(0)
    // The clear reached L2: the entry written before it is gone, and the newest write survived.
    expect(inner.data.has('cap:old')).toBe(false)
    expect(inner.data.has('cap:z')).toBe(true)
    await cache.close()
  })
})
