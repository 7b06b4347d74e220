import { type L1Entry, ValidationError } from '@cache/core'
import { describe, expect, it } from 'vitest'
import { type MemoryL1, memoryL1 } from '../src/index'

const entry = (value: unknown, size = 100): L1Entry => ({
  value,
  size,
  createdAt: 0,
  expiresAt: Number.POSITIVE_INFINITY,
  staleUntil: Number.POSITIVE_INFINITY,
  tags: [],
})

/** Deterministic Zipf(1.0) ranks in [0, n) from a seeded mulberry32 generator. */
function zipfTrace(n: number, count: number, seed: number): Uint32Array {
  const cdf = new Float64Array(n)
  let sum = 0
  for (let i = 0; i < n; i++) cdf[i] = sum += 1 / (i + 1)
  let state = seed >>> 0
  const trace = new Uint32Array(count)
  for (let j = 0; j < count; j++) {
    state = (state + 0x6d2b79f5) >>> 0
    let t = Math.imul(state ^ (state >>> 15), state | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    const u = (((t ^ (t >>> 14)) >>> 0) / 4294967296) * sum
    let lo = 0
    let hi = n - 1
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      if (cdf[mid]! < u) lo = mid + 1
      else hi = mid
    }
    trace[j] = lo
  }
  return trace
}

/** Read-through over the trace (a miss is followed by a set); hit ratio after the first quarter. */
function readThroughHitRatio(l1: MemoryL1, trace: Uint32Array): number {
  const warmup = trace.length >>> 2
  let hits = 0
  for (let i = 0; i < trace.length; i++) {
    const key = `doc:${trace[i]}`
    const found = l1.get(key)
    if (found !== undefined) {
      expect(found.value).toBe(trace[i])
      if (i >= warmup) hits++
    } else l1.set(key, entry(trace[i]))
  }
  return hits / (trace.length - warmup)
}

/** A full 4-entry TinyLFU tier whose residents were each read `reads` times. */
function fullTierOfPopularKeys(reads: number): MemoryL1 {
  const l1 = memoryL1({ maxItems: 4, admission: 'tinylfu' })
  for (let i = 0; i < 4; i++) l1.set(`hot:${i}`, entry(`hot ${i}`))
  for (let r = 0; r < reads; r++) for (let i = 0; i < 4; i++) l1.get(`hot:${i}`)
  return l1
}

describe("memoryL1 admission: 'tinylfu'", () => {
  it('beats LRU on a Zipf(1.0) read-through trace', () => {
    const trace = zipfTrace(10_000, 200_000, 42)
    const lru = readThroughHitRatio(memoryL1({ maxItems: 100, admission: 'lru' }), trace)
    const tinyLfu = readThroughHitRatio(memoryL1({ maxItems: 100, admission: 'tinylfu' }), trace)
    expect(tinyLfu).toBeGreaterThan(lru + 0.05)
  })

  it('keeps a new key out of a full tier of more popular keys', () => {
    const l1 = fullTierOfPopularKeys(3)
    l1.set('cold', entry('cold'))
    expect(l1.get('cold')).toBeUndefined()
    expect(l1.rejections).toBe(1)
    expect(l1.evictions).toBe(0)
    expect([...l1.keys()].sort()).toEqual(['hot:0', 'hot:1', 'hot:2', 'hot:3'])
  })

  it('counts hot reads through getResolved() as requests, as get() counts them', async () => {
    const l1 = memoryL1({ maxItems: 4, admission: 'tinylfu' })
    for (let i = 0; i < 4; i++)
      l1.set(`hot:${i}`, { ...entry(`hot ${i}`), resolved: Promise.resolve(`hot ${i}`) })
    for (let r = 0; r < 3; r++)
      for (let i = 0; i < 4; i++) expect(l1.getResolved(`hot:${i}`, 0)).toBeDefined()
    expect(await l1.getResolved('hot:1', 0)).toBe('hot 1')
    // Counted only by set(), the residents would lose to a key requested twice.
    l1.set('cold', entry('cold'))
    l1.set('cold', entry('cold'))
    expect(l1.get('cold')).toBeUndefined()
    expect(l1.rejections).toBe(2)
  })

  it('admits a new key when the entry it would evict is past its TTL', () => {
    let now = 1_000
    const l1 = memoryL1({ maxItems: 2, admission: 'tinylfu', now: () => now })
    l1.set('popular', entry('popular'), 10)
    for (let i = 0; i < 5; i++) l1.get('popular')
    l1.set('b', entry('b'), 100_000)
    now += 50
    l1.set('c', entry('c'), 100_000)
    expect(l1.get('c')?.value).toBe('c')
    expect(l1.rejections).toBe(0)
    expect([...l1.keys()].sort()).toEqual(['b', 'c'])
  })

  it('admits a new key once it is requested more often than the LRU victim', () => {
    const l1 = fullTierOfPopularKeys(1)
    let admittedAfter = 0
    while (l1.get('rising') === undefined && admittedAfter < 10) {
      l1.set('rising', entry('rising'))
      admittedAfter++
    }
    expect(l1.get('rising')?.value).toBe('rising')
    expect(admittedAfter).toBeGreaterThan(1)
    expect(l1.evictions).toBe(1)
    expect(l1.size).toBe(4)
  })

  it('always replaces the value of a resident key, even in a full tier', () => {
    const l1 = fullTierOfPopularKeys(3)
    l1.set('hot:2', entry('new value'))
    expect(l1.get('hot:2')?.value).toBe('new value')
    expect(l1.rejections).toBe(0)
  })

  it('never serves the previous value of a key whose new value it rejects', () => {
    let now = 0
    const l1 = memoryL1({ maxItems: 4, admission: 'tinylfu', now: () => now })
    l1.set('short', entry('old'), 10)
    for (let i = 0; i < 3; i++) l1.set(`hot:${i}`, entry(i))
    for (let r = 0; r < 5; r++) for (let i = 0; i < 3; i++) l1.get(`hot:${i}`)
    now = 50
    // 'short' expired but may still occupy its slot; whatever is decided, 'old' must not come back.
    l1.set('short', entry('new'))
    expect(['new', undefined]).toContain(l1.get('short')?.value)
    l1.set('fresh', entry('fresh'))
    expect(['fresh', undefined]).toContain(l1.get('fresh')?.value)
  })

  it('keeps the byte bound and clear(prefix)', () => {
    const l1 = memoryL1({ maxItems: 100, maxBytes: 1_000, admission: 'tinylfu' })
    for (let i = 0; i < 30; i++) {
      l1.set(`a:${i}`, entry(i, 100), 1_000)
      l1.get(`a:${i}`)
    }
    expect(l1.bytes).toBeLessThanOrEqual(1_000)
    expect(l1.size).toBeLessThanOrEqual(10)
    l1.set('b:1', entry('b', 100))
    l1.clear('a:')
    expect([...l1.keys()].filter((key) => key.startsWith('a:'))).toEqual([])
  })

  it('is the same tier as LRU until it is full', () => {
    const l1 = memoryL1({ maxItems: 10, admission: 'tinylfu' })
    for (let i = 0; i < 10; i++) l1.set(`k:${i}`, entry(i))
    expect(l1.size).toBe(10)
    expect(l1.rejections).toBe(0)
    expect(l1.admission).toBe('tinylfu')
    expect(memoryL1().admission).toBe('lru')
  })

  it('answers admits() as set() would decide, and counts the request once across admits() and set()', () => {
    const l1 = fullTierOfPopularKeys(3)
    expect(l1.admits('cold', 100)).toBe(false)
    expect(l1.rejections).toBe(1)
    expect(l1.admits('hot:1', 100)).toBe(true)
    l1.set('hot:1', entry('updated'))
    expect(l1.get('hot:1')?.value).toBe('updated')
    expect(l1.rejections).toBe(1)
    // A rising key needs the same number of requests whether asked through admits() then set(), or set().
    const viaSet = fullTierOfPopularKeys(1)
    let setCalls = 0
    while (viaSet.get('rising') === undefined && setCalls < 10) {
      viaSet.set('rising', entry('rising'))
      setCalls++
    }
    const viaAdmits = fullTierOfPopularKeys(1)
    let admitsCalls = 0
    let admitted = false
    while (!admitted && admitsCalls < 10) {
      admitted = viaAdmits.admits('rising', 100)
      admitsCalls++
    }
    viaAdmits.set('rising', entry('rising'))
    expect(viaAdmits.get('rising')?.value).toBe('rising')
    expect(admitsCalls).toBe(setCalls)
    expect(viaAdmits.rejections).toBe(viaSet.rejections)
  })

  it('refuses through admits() an entry above maxBytes, in either mode, and drops the older copy', () => {
    for (const admission of ['lru', 'tinylfu'] as const) {
      const l1 = memoryL1({ maxItems: 10, maxBytes: 1_000, admission })
      l1.set('big', entry('small', 100))
      expect(l1.admits('big', 2_000)).toBe(false)
      expect(l1.get('big')).toBeUndefined()
      expect(l1.admits('other', 100)).toBe(true)
    }
  })

  it('rejects an unknown admission policy with a ValidationError naming the option', () => {
    const bad = () => memoryL1({ admission: 'lfu' as 'lru' })
    expect(bad).toThrow(ValidationError)
    expect(bad).toThrow(/admission/)
    try {
      bad()
    } catch (error) {
      expect((error as ValidationError).code).toBe('INVALID_OPTION')
    }
    expect(() => memoryL1({ admission: 'tinylfu' })).not.toThrow()
  })
})
