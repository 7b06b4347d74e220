import type { L1Entry } from '@cache/core'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { EntryLru } from '../src/entry-lru'

const entry = (
  value: unknown,
  size: number,
  expiresAt = Number.POSITIVE_INFINITY,
  frozen = true,
): L1Entry => ({
  expiresAt,
  resolved: frozen ? Promise.resolve(value) : undefined,
  createdAt: 0,
  staleUntil: expiresAt,
  tags: [],
  value: frozen ? value : undefined,
  payload: frozen ? undefined : new Uint8Array([1]),
  size,
})

/** The reference: an insertion-ordered Map (oldest first), each use moving a key to the end. */
class ModelLru {
  readonly items = new Map<string, { entry: L1Entry; deadline: number }>()
  bytes = 0
  evictions = 0
  constructor(
    readonly maxItems: number,
    readonly maxBytes: number,
    readonly now: () => number,
  ) {}
  #touch(key: string) {
    const item = this.items.get(key)!
    this.items.delete(key)
    this.items.set(key, item)
  }
  #drop(key: string) {
    this.bytes -= Math.max(1, this.items.get(key)!.entry.size)
    this.items.delete(key)
  }
  get(key: string) {
    const item = this.items.get(key)
    if (!item) return undefined
    if (!(item.deadline > this.now())) {
      this.#drop(key)
      return undefined
    }
    this.#touch(key)
    return item.entry
  }
  resolved(key: string, now: number) {
    const item = this.items.get(key)
    if (!item || !(item.entry.expiresAt > now) || !item.entry.resolved) return undefined
    this.#touch(key)
    return item.entry.resolved
  }
  set(key: string, e: L1Entry, ttlMs?: number) {
    if (this.items.has(key)) this.#drop(key)
    this.items.set(key, {
      entry: e,
      deadline: ttlMs === undefined ? Number.POSITIVE_INFINITY : this.now() + ttlMs,
    })
    this.bytes += Math.max(1, e.size)
    for (const oldest of this.items.keys()) {
      if (!(this.items.size > this.maxItems || (this.bytes > this.maxBytes && oldest !== key))) break
      this.#drop(oldest)
      this.evictions++
    }
  }
  delete(key: string) {
    if (!this.items.has(key)) return false
    this.#drop(key)
    return true
  }
  keys() {
    const now = this.now()
    return [...this.items]
      .filter(([, item]) => item.deadline > now)
      .map(([key]) => key)
      .reverse()
  }
}

const key = fc.integer({ min: 0, max: 11 }).map((i) => `k${i}`)
const operation = fc.oneof(
  fc.record({
    op: fc.constant('set' as const),
    key,
    size: fc.integer({ min: 0, max: 40 }),
    ttl: fc.option(fc.integer({ min: 1, max: 30 }), { nil: undefined }),
    expiresIn: fc.integer({ min: -5, max: 30 }),
    frozen: fc.boolean(),
  }),
  fc.record({ op: fc.constant('get' as const), key }),
  fc.record({ op: fc.constant('resolved' as const), key }),
  fc.record({ op: fc.constant('delete' as const), key }),
  fc.record({ op: fc.constant('tick' as const), ms: fc.integer({ min: 1, max: 10 }) }),
  fc.record({ op: fc.constant('clear' as const) }),
)

describe('EntryLru', () => {
  it('agrees with a reference LRU for random operations (bounds, TTLs, hot reads, slot reuse)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 1, max: 120 }),
        fc.array(operation, { maxLength: 200 }),
        (maxItems, maxBytes, operations) => {
          let time = 1_000
          const now = () => time
          const lru = new EntryLru(maxItems, maxBytes, now)
          let model = new ModelLru(maxItems, maxBytes, now)
          let serial = 0
          for (const o of operations) {
            if (o.op === 'set') {
              const e = entry(serial++, o.size, time + o.expiresIn, o.frozen)
              lru.set(o.key, e, o.ttl)
              model.set(o.key, e, o.ttl)
            } else if (o.op === 'get') expect(lru.get(o.key)).toBe(model.get(o.key))
            else if (o.op === 'resolved') expect(lru.resolved(o.key, time)).toBe(model.resolved(o.key, time))
            else if (o.op === 'delete') expect(lru.delete(o.key)).toBe(model.delete(o.key))
            else if (o.op === 'tick') time += o.ms
            else {
              const evictions = model.evictions
              lru.clear()
              model = new ModelLru(maxItems, maxBytes, now)
              model.evictions = evictions
            }
            expect([...lru.keys()]).toEqual(model.keys())
            expect(lru.size).toBe(model.items.size)
            expect(lru.bytes).toBe(model.bytes)
            expect(lru.evictions).toBe(model.evictions)
            expect(lru.oldestKey()).toBe(model.items.keys().next().value)
          }
        },
      ),
      { numRuns: 300 },
    )
  })

  it('grows past its first arrays up to maxItems, and evicts the least recently used beyond', () => {
    const lru = new EntryLru(1_000, Number.MAX_SAFE_INTEGER, () => 0)
    for (let i = 0; i < 1_000; i++) lru.set(`k${i}`, entry(i, 1))
    expect(lru.get('k0')?.value).toBe(0)
    lru.set('k1000', entry(1_000, 1))
    expect(lru.size).toBe(1_000)
    expect(lru.has('k0')).toBe(true)
    expect(lru.has('k1')).toBe(false)
    expect(lru.evictions).toBe(1)
    for (let i = 2; i <= 1_000; i++) expect(lru.resolved(`k${i}`, 0)).toBeDefined()
  })

  it('serves resolved() by the caller clock and touches nothing when it has no answer', async () => {
    const lru = new EntryLru(2, 1_000, () => 0)
    lru.set('fresh', entry('a', 1, 100))
    lru.set('bytes', entry('b', 1, 100, false))
    expect(await lru.resolved('fresh', 99)).toBe('a')
    expect(lru.resolved('fresh', 100)).toBeUndefined()
    expect(lru.resolved('bytes', 0)).toBeUndefined()
    // 'fresh' was used last by the only resolved() that answered, so 'bytes' is the oldest.
    expect(lru.oldestKey()).toBe('bytes')
    lru.set('new', entry('c', 1))
    expect(lru.has('bytes')).toBe(false)
    expect(lru.has('fresh')).toBe(true)
  })

  it('keeps an entry above maxBytes alone, and lets the next one evict it', () => {
    const lru = new EntryLru(10, 100, () => 0)
    lru.set('a', entry('a', 40))
    lru.set('b', entry('b', 40))
    lru.set('huge', entry('huge', 500))
    expect([...lru.keys()]).toEqual(['huge'])
    expect(lru.evictions).toBe(2)
    lru.set('c', entry('c', 10))
    expect([...lru.keys()]).toEqual(['c'])
    expect(lru.bytes).toBe(10)
  })
})
