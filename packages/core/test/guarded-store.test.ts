import { describe, expect, it } from 'vitest'
import { CacheError, InfrastructureError } from '../src/index'
import { DeadlineQueue } from '../src/resilience/deadline-queue'
import { GuardedStore } from '../src/resilience/guarded-store'
import { deferred } from './helpers/deferred'
import { chaosStore, mapStore } from './helpers/stores'

const bytes = (text: string) => new TextEncoder().encode(text)

function guard(commandTimeoutMs: number, breakerFailureThreshold = 100) {
  const store = chaosStore(mapStore())
  const guarded = new GuardedStore(store, {
    commandTimeoutMs,
    breakerFailureThreshold,
    breakerRecoveryMs: 1_000,
    now: () => performance.now(),
  })
  return { store, guarded }
}

describe('GuardedStore', () => {
  it('passes values through and counts a success', async () => {
    const { guarded } = guard(1_000)
    await guarded.call('set', (s) => s.set('a', bytes('1')))
    expect(await guarded.call('get', (s) => s.get('a'))).toEqual(bytes('1'))
    expect(guarded.breaker.state).toBe('closed')
  })

  it('rejects every stalled call with TIMEOUT, naming store and operation, and feeds the breaker', async () => {
    const { store, guarded } = guard(20)
    store.mode = 'stall'
    const results = await Promise.allSettled([
      guarded.call('get', (s) => s.get('a')),
      guarded.call('set', (s) => s.set('b', bytes('2'))),
      guarded.call('delete', (s) => s.delete('c')),
    ])
    const errors = results.map((r) => (r.status === 'rejected' ? (r.reason as InfrastructureError) : r))
    expect(errors.map((e) => (e as InfrastructureError).code)).toEqual(['TIMEOUT', 'TIMEOUT', 'TIMEOUT'])
    expect((errors[1] as Error).message).toBe('chaos set timed out after 20 ms')
    // After the stall, calls go through again and the queue keeps timing new ones.
    store.mode = 'ok'
    expect(await guarded.call('get', (s) => s.get('a'))).toBeUndefined()
    store.mode = 'stall'
    await expect(guarded.call('get', (s) => s.get('a'))).rejects.toMatchObject({ code: 'TIMEOUT' })
  })

  it('answers calls that settle out of order and times out only the stalled one', async () => {
    const { guarded } = guard(30, 1)
    const slow = deferred<string>()
    const fast = deferred<string>()
    const first = guarded.call('get', () => slow.promise)
    const second = guarded.call('get', () => fast.promise)
    fast.resolve('fast')
    expect(await second).toBe('fast')
    await expect(first).rejects.toMatchObject({ code: 'TIMEOUT' })
    expect(guarded.breaker.state).toBe('open')
    // A late answer after the timeout changes nothing: it neither reaches the caller nor closes the circuit.
    slow.resolve('late')
    await new Promise((resolve) => setTimeout(resolve, 0))
    expect(guarded.breaker.state).toBe('open')
    guarded.stop()
  })

  it('wraps a raw failure as INFRASTRUCTURE with its cause, and keeps a CacheError as it is', async () => {
    const { guarded } = guard(1_000)
    const raw = new Error('boom')
    const wrapped = await guarded.call('get', () => Promise.reject(raw)).catch((e: unknown) => e)
    expect(wrapped).toBeInstanceOf(InfrastructureError)
    expect(wrapped).toMatchObject({ code: 'INFRASTRUCTURE', message: 'chaos get failed: boom', cause: raw })
    const own = new CacheError('closed', 'CLOSED')
    await expect(guarded.call('get', () => Promise.reject(own))).rejects.toBe(own)
    const thrown = await guarded
      .call('get', () => {
        throw raw
      })
      .catch((e: unknown) => e)
    expect(thrown).toMatchObject({ code: 'INFRASTRUCTURE', cause: raw })
  })

  it('with an infinite timeout, still passes values and failures through', async () => {
    const { store, guarded } = guard(Number.POSITIVE_INFINITY)
    await guarded.call('set', (s) => s.set('a', bytes('1')))
    expect(await guarded.call('get', (s) => s.get('a'))).toEqual(bytes('1'))
    store.mode = 'fail'
    await expect(guarded.call('get', (s) => s.get('a'))).rejects.toMatchObject({ code: 'INFRASTRUCTURE' })
  })

  it('skips calls while the circuit is open', async () => {
    const { store, guarded } = guard(1_000)
    guarded.breaker.trip()
    await expect(guarded.call('get', (s) => s.get('a'))).rejects.toMatchObject({ code: 'CIRCUIT_OPEN' })
    expect(store.calls).toBe(0)
    guarded.stop()
  })
})

describe('DeadlineQueue', () => {
  it('expires each pending entry once, skips settled ones, and reports late settles', async () => {
    const queue = new DeadlineQueue(10)
    const expired: string[] = []
    const a = queue.add(() => expired.push('a'))
    const b = queue.add(() => expired.push('b'))
    const c = queue.add(() => expired.push('c'))
    expect(queue.settle(b)).toBe(true)
    expect(queue.settle(b)).toBe(false)
    await new Promise((resolve) => setTimeout(resolve, 40))
    expect(expired).toEqual(['a', 'c'])
    expect(queue.settle(a)).toBe(false)
    expect(queue.settle(c)).toBe(false)
    // The queue is empty now; a new entry re-arms the timer.
    const d = queue.add(() => expired.push('d'))
    await new Promise((resolve) => setTimeout(resolve, 40))
    expect(expired).toEqual(['a', 'c', 'd'])
    expect(d.done).toBe(true)
  })

  // A dropped entry still linked to later ones would keep them (and what their calls resolved with) alive
  // through young-generation GCs once it sits in the old generation.
  it('cuts the link of every entry that leaves, whether settled or expired', async () => {
    const queue = new DeadlineQueue(10)
    const a = queue.add(() => {})
    const b = queue.add(() => {})
    const c = queue.add(() => {})
    queue.settle(b)
    // b settled behind a pending a: still in the list, still linked.
    expect(b.next).toBe(c)
    queue.settle(a)
    expect(a.next).toBeUndefined()
    expect(b.next).toBeUndefined()
    const d = queue.add(() => {})
    expect(c.next).toBe(d)
    await new Promise((resolve) => setTimeout(resolve, 40))
    expect(c.done && d.done).toBe(true)
    expect(c.next).toBeUndefined()
  })
})
