import { type L1Entry, type L1Tier, ValidationError } from '@cache/core'
import { L1_DEFAULTS } from './defaults'
import { EntryLru } from './entry-lru'
import { FrequencySketch, hashKey } from './frequency-sketch'
import { type L1Options, resolveL1Options } from './options'

const performanceNow = () => performance.now()

/**
 * The L1 tier: decoded values, bounded by count and estimated bytes, TTL honoured, least recently used
 * evicted first.
 * With `admission: 'tinylfu'`, a new key enters a full tier only if it was seen more often lately
 * than the least recently used entry it would evict.
 */
export class MemoryL1 implements L1Tier {
  readonly name = 'memory-l1'
  readonly maxBytes: number
  readonly maxItems: number
  readonly admission: 'lru' | 'tinylfu'
  readonly #lru: EntryLru
  readonly #sketch: FrequencySketch | undefined
  #rejections = 0
  /** The key `admits` last let in: its next `set` takes the entry without deciding (and counting) again. */
  #admitted: string | undefined

  constructor(options: L1Options = {}) {
    const { maxItems, maxBytes, now, admission } = resolveL1Options(options, L1_DEFAULTS)
    this.maxItems = maxItems
    this.maxBytes = maxBytes
    this.admission = admission
    this.#sketch = admission === 'tinylfu' ? new FrequencySketch(maxItems) : undefined
    this.#lru = new EntryLru(maxItems, maxBytes, now ?? performanceNow)
  }

  get(key: string): L1Entry | undefined {
    const entry = this.#lru.get(key)
    if (entry !== undefined && this.#sketch !== undefined) this.#sketch.increment(hashKey(key))
    return entry
  }

  /**
   * The settled promise of a frozen entry fresh at `now` (see `L1Tier.getResolved`), counted as a use
   * like `get`. Answered from per-slot arrays without reading the entry object or a clock.
   */
  getResolved(key: string, now: number): Promise<unknown> | undefined {
    const resolved = this.#lru.resolved(key, now)
    if (resolved !== undefined && this.#sketch !== undefined) this.#sketch.increment(hashKey(key))
    return resolved
  }

  set(key: string, entry: L1Entry, ttlMs?: number): void {
    // NaN would never pass its deadline: the entry would outlive every TTL.
    if (ttlMs !== undefined && (typeof ttlMs !== 'number' || Number.isNaN(ttlMs))) {
      throw new ValidationError(
        `memoryL1.set("${key}") ttlMs must be a number of milliseconds, got ${String(ttlMs)}`,
        'INVALID_TTL',
      )
    }
    // Admitted just before (the cache asks first): take it without counting the request twice. The size
    // is checked again: an admission left over from a failed write must not let an oversized entry in.
    if ((this.#admitted !== key || !(entry.size <= this.maxBytes)) && !this.admits(key, entry.size)) return
    this.#admitted = undefined
    this.#lru.set(key, entry, ttlMs === undefined ? undefined : Math.max(1, Math.ceil(ttlMs)))
  }

  /**
   * Whether an entry of `size` bytes for `key` may enter (see `L1Tier.admits`): always with `'lru'` (unless
   * above `maxBytes`); with `'tinylfu'` it counts the request and applies the admission policy. A refusal
   * drops any older copy and, under TinyLFU, counts a rejection; an admission holds for the next `set`
   * of `key`.
   */
  admits(key: string, size: number): boolean {
    // An entry above maxBytes would evict everything else, and a NaN size would turn the byte count into
    // NaN for good (no bound again); drop any older copy so it cannot be served.
    if (!(size <= this.maxBytes)) {
      this.#lru.delete(key)
      return false
    }
    if (this.#sketch !== undefined) {
      // A read-through miss counts here, once (its get() found nothing and counted nothing).
      const hash = hashKey(key)
      this.#sketch.increment(hash)
      if (!this.#admitsNew(key, hash, size)) {
        // A rejected update must not leave the previous value behind.
        this.#lru.delete(key)
        this.#rejections++
        return false
      }
    }
    this.#admitted = key
    return true
  }

  /** TinyLFU: admit when nothing must go, for an update, or when the key beats the LRU victim. */
  #admitsNew(key: string, hash: number, size: number): boolean {
    const lru = this.#lru
    if (lru.size < this.maxItems && lru.bytes + Math.max(1, size) <= this.maxBytes) return true
    // An expired entry still holds its slot, so its update counts as an update, not a newcomer.
    if (lru.has(key)) return true
    // The entry that would go is past its TTL: evicting it costs no hit.
    if (lru.oldestIsDead()) return true
    const victim = lru.oldestKey()
    if (victim === undefined) return true
    const sketch = this.#sketch as FrequencySketch
    return sketch.frequency(hash) > sketch.frequency(hashKey(victim))
  }

  delete(key: string): boolean {
    return this.#lru.delete(key)
  }

  clear(prefix?: string): void {
    if (prefix === undefined || prefix === '') {
      this.#lru.clear()
      return
    }
    for (const key of [...this.#lru.keys()]) if (key.startsWith(prefix)) this.#lru.delete(key)
  }

  /** Every key held, those past this tier's TTL included (a `get` drops them); a snapshot. */
  keys(): IterableIterator<string> {
    return this.#lru.keys()
  }

  get size(): number {
    return this.#lru.size
  }

  get bytes(): number {
    return this.#lru.bytes
  }

  get evictions(): number {
    return this.#lru.evictions
  }

  /** New keys the TinyLFU admission kept out of a full tier (always 0 with `admission: 'lru'`). */
  get rejections(): number {
    return this.#rejections
  }
}

/** Creates the in-memory L1 tier for `createCache({ l1 })`. */
export function memoryL1(options: L1Options = {}): MemoryL1 {
  return new MemoryL1(options)
}
