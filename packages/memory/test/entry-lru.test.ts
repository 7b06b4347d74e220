import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
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
    if (item.deadline < this.now()) {
      this.#drop(key)
      return undefined
    }
    this.#touch(key)
    return item.entry
  }
  /** `now` is the caller's clock, which may differ from the tier's. */
  resolved(key: string, now: number) {
    const item = this.items.get(key)
    if (!item || !(item.entry.expiresAt > now) || !item.entry.resolved) return undefined
    this.#touch(key)
    return item.entry.resolved
  }
  oldestIsDead() {
    const oldest = this.items.values().next().value
    return oldest !== undefined && oldest.deadline < this.now()
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
    return [...this.items.keys()].reverse()
  }
}

const operations = (keyCount: number) => {
  const key = fc.integer({ min: 0, max: keyCount - 1 }).map((i) => `k${i}`)
  return fc.oneof(
    fc.record({
      op: fc.constant('set' as const),
      key,
      size: fc.integer({ min: 0, max: 40 }),
      ttl: fc.option(fc.integer({ min: 1, max: 30 }), { nil: undefined }),
      expiresIn: fc.integer({ min: -5, max: 30 }),
      frozen: fc.boolean(),
    }),
    fc.record({ op: fc.constant('get' as const), key }),
    fc.record({ op: fc.constant('resolved' as const), key, skew: fc.integer({ min: -20, max: 20 }) }),
    fc.record({ op: fc.constant('delete' as const), key }),
    fc.record({ op: fc.constant('tick' as const), ms: fc.integer({ min: 1, max: 10 }) }),
    fc.record({ op: fc.constant('clear' as const) }),
  )
}

/** Runs `ops` on an EntryLru and the model, comparing every answer and the whole state after each step. */
type Op = ReturnType<typeof operations> extends fc.Arbitrary<infer T> ? T : never

function agreesWithModel(maxItems: number, maxBytes: number, ops: Op[]) {
  let time = 1_000
  const now = () => time
  const lru = new EntryLru(maxItems, maxBytes, now)
  let model = new ModelLru(maxItems, maxBytes, now)
  let serial = 0
  for (const o of ops) {
    if (o.op === 'set') {
      const e = entry(serial++, o.size, time + o.expiresIn, o.frozen)
      lru.set(o.key, e, o.ttl)
      model.set(o.key, e, o.ttl)
    } else if (o.op === 'get') expect(lru.get(o.key)).toBe(model.get(o.key))
    else if (o.op === 'resolved')
      expect(lru.resolved(o.key, time + o.skew)).toBe(model.resolved(o.key, time + o.skew))
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
    expect(lru.oldestIsDead()).toBe(model.oldestIsDead())
  }
}

describe('EntryLru', () => {
  it('agrees with a reference LRU for random operations (bounds, TTLs, hot reads, slot reuse)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 1, max: 120 }),
        fc.array(operations(12), { maxLength: 200 }),
        agreesWithModel,
      ),
      { numRuns: 300 },
    )
  })

  it('agrees with it when many live entries move to grown arrays', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 60, max: 200 }),
        fc.array(operations(260), { minLength: 200, maxLength: 600 }),
        (maxItems, ops) => agreesWithModel(maxItems, 4_000, ops),
      ),
      { numRuns: 40 },
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

  it('judges resolved() by the caller clock alone; keys() lists an entry past its deadline, get() drops it', () => {
    let tier = 0
    const lru = new EntryLru(4, 1_000, () => tier)
    lru.set('k', entry('v', 1, 1_000_000), 100)
    tier = 100
    expect(lru.oldestIsDead()).toBe(false)
    tier = 101
    expect(lru.resolved('k', 0)).toBeDefined()
    expect([...lru.keys()]).toEqual(['k'])
    expect(lru.oldestIsDead()).toBe(true)
    expect(lru.get('k')).toBeUndefined()
    expect(lru.size).toBe(0)
    expect(lru.resolved('k', 0)).toBeUndefined()
  })

  it('reads keys() from a snapshot, so the tier may change while they are read', () => {
    const lru = new EntryLru(10, 1_000, () => 0)
    for (const k of ['a', 'b', 'c']) lru.set(k, entry(k, 1))
    const seen: string[] = []
    for (const k of lru.keys()) {
      seen.push(k)
      if (k === 'c') lru.clear()
      lru.set(`new-${k}`, entry(k, 1))
    }
    expect(seen).toEqual(['c', 'b', 'a'])
  })

  it('lets go of entries and promises it dropped (delete, eviction, deadline, clear)', async () => {
    const gc = collector()
    let time = 0
    const lru = new EntryLru(2, 1_000, () => time)
    const deleted = held(lru, 'deleted')
    lru.delete('deleted')
    const evicted = held(lru, 'evicted')
    held(lru, 'kept')
    const dead = held(lru, 'dead', 10)
    time = 20
    expect(lru.get('dead')).toBeUndefined()
    const cleared = held(lru, 'cleared')
    await collected(gc)
    expect([deleted, evicted, dead].flat().map((r) => r.deref())).toEqual(Array(6).fill(undefined))
    expect(cleared.every((r) => r.deref() !== undefined)).toBe(true)
    lru.clear()
    await collected(gc)
    expect(cleared.map((r) => r.deref())).toEqual([undefined, undefined])
  })
})

/** Sets `key` to an entry only the LRU holds; weak references to its value and promise. */
function held(lru: EntryLru, key: string, ttlMs?: number): WeakRef<object>[] {
  const value = { key }
  const e = entry(value, 1)
  lru.set(key, e, ttlMs)
  return [new WeakRef(value), new WeakRef(e.resolved!)]
}

/** Lets the current job end (weak references hold until then), then collects. */
async function collected(gc: () => void): Promise<void> {
  await new Promise((resolve) => setImmediate(resolve))
  gc()
}

/** A full garbage collection, without starting the test runner with --expose-gc. */
function collector(): () => void {
  setFlagsFromString('--expose-gc')
  return runInNewContext('gc') as () => void
}
