import type { L1Entry, L1Tier } from '@cache/core'
import { LRUCache } from 'lru-cache'
import { L1_DEFAULTS } from './defaults'
import { type MemoryBounds, resolveBounds } from './options'

/** The L1 tier over lru-cache: decoded values, bounded by count and estimated bytes, TTL honoured. */
export class MemoryL1 implements L1Tier {
  readonly name = 'memory-l1'
  readonly maxBytes: number
  readonly maxItems: number
  readonly #lru: LRUCache<string, L1Entry>
  #evictions = 0

  constructor(options: MemoryBounds = {}) {
    const { maxItems, maxBytes, now } = resolveBounds('memoryL1', options, L1_DEFAULTS)
    this.maxItems = maxItems
    this.maxBytes = maxBytes
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
    return this.#lru.get(key)
  }

  set(key: string, entry: L1Entry, ttlMs?: number): void {
    // lru-cache silently refuses items above maxSize; drop any older copy so it cannot be served.
    if (entry.size > this.maxBytes) {
      this.#lru.delete(key)
      return
    }
    this.#lru.set(key, entry, ttlMs === undefined ? {} : { ttl: Math.max(1, Math.ceil(ttlMs)) })
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
}

/** Creates the in-memory L1 tier for `createCache({ l1 })`. */
export function memoryL1(options: MemoryBounds = {}): MemoryL1 {
  return new MemoryL1(options)
}
