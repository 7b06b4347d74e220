import type { L1Entry, L1Tier } from '@cache/core'
import { LRUCache } from 'lru-cache'
import { L1_DEFAULTS } from './defaults'
import { FrequencySketch, hashKey } from './frequency-sketch'
import { type L1Options, resolveL1Options } from './options'

/** An expired entry still holds its slot, so its update counts as an update, not a newcomer. */
const PEEK_EVEN_STALE = { allowStale: true } as const
const NO_TTL = {} as const

/**
 * The L1 tier over lru-cache: decoded values, bounded by count and estimated bytes, TTL honoured.
 * With `admission: 'tinylfu'`, a new key enters a full tier only if it was seen more often lately
 * than the least recently used entry it would evict.
 */
export class MemoryL1 implements L1Tier {
  readonly name = 'memory-l1'
  readonly maxBytes: number
  readonly maxItems: number
  readonly admission: 'lru' | 'tinylfu'
  readonly #lru: LRUCache<string, L1Entry>
  readonly #sketch: FrequencySketch | undefined
  #evictions = 0
  #rejections = 0
  /** The key `admits` last let in: its next `set` takes the entry without deciding (and counting) again. */
  #admitted: string | undefined

  constructor(options: L1Options = {}) {
    const { maxItems, maxBytes, now, admission } = resolveL1Options(options, L1_DEFAULTS)
    this.maxItems = maxItems
    this.maxBytes = maxBytes
    this.admission = admission
    this.#sketch = admission === 'tinylfu' ? new FrequencySketch(maxItems) : undefined
    this.#lru = new LRUCache<string, L1Entry>({
      max: maxItems,
      maxSize: maxBytes,
      sizeCalculation: (entry) => Math.max(1, entry.size),
      dispose: (_value, _key, reason) => {
        if (reason === 'evict') this.#evictions++
      },
      ...(now ? { perf: { now } } : {}),
    })
  }

  get(key: string): L1Entry | undefined {
    const entry = this.#lru.get(key)
    // Entries are stored bare (no wrapper holding the hash): a hot hit in LRU mode is one lru-cache get.
    if (entry !== undefined && this.#sketch !== undefined) this.#sketch.increment(hashKey(key))
    return entry
  }

  set(key: string, entry: L1Entry, ttlMs?: number): void {
    // Admitted just before (the cache asks first): take it without counting the request twice.
    if (this.#admitted !== key && !this.admits(key, entry.size)) return
    this.#admitted = undefined
    this.#lru.set(key, entry, ttlMs === undefined ? NO_TTL : { ttl: Math.max(1, Math.ceil(ttlMs)) })
  }

  /**
   * Whether an entry of `size` bytes for `key` may enter (see `L1Tier.admits`): always with `'lru'` (unless
   * above `maxBytes`); with `'tinylfu'` it counts the request and applies the admission policy. A refusal
   * drops any older copy and, under TinyLFU, counts a rejection; an admission holds for the next `set`
   * of `key`.
   */
  admits(key: string, size: number): boolean {
    // lru-cache silently refuses items above maxSize; drop any older copy so it cannot be served.
    if (size > this.maxBytes) {
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
    if (lru.size < this.maxItems && lru.calculatedSize + Math.max(1, size) <= this.maxBytes) return true
    if (lru.peek(key, PEEK_EVEN_STALE) !== undefined) return true
    const victim = lru.rkeys().next().value as string | undefined
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

  keys(): IterableIterator<string> {
    return this.#lru.keys()
  }

  get size(): number {
    return this.#lru.size
  }

  get bytes(): number {
    return this.#lru.calculatedSize
  }

  get evictions(): number {
    return this.#evictions
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
