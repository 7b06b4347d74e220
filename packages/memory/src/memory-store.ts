import { type Store, type StoreEntry, ValidationError } from '@cache/core'
import { LRUCache } from 'lru-cache'
import { STORE_DEFAULTS } from './defaults'
import { type MemoryBounds, resolveBounds } from './options'

/** A `Store` kept in this process (for tests, single-instance apps, and as a stand-in L2). */
export class MemoryStore implements Store {
  readonly name = 'memory'
  readonly capabilities = { nativeTtl: true, shared: false } as const
  readonly maxBytes: number
  readonly #lru: LRUCache<string, Uint8Array>

  constructor(options: MemoryBounds = {}) {
    const { maxItems, maxBytes, now } = resolveBounds('memoryStore', options, STORE_DEFAULTS)
    this.maxBytes = maxBytes
    this.#lru = new LRUCache<string, Uint8Array>({
      max: maxItems,
      maxSize: maxBytes,
      sizeCalculation: (value) => Math.max(1, value.length),
      ...(now ? { perf: { now } } : {}),
    })
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    const value = this.#lru.get(key)
    // Copies keep callers from changing stored bytes through a returned view.
    return value === undefined ? undefined : value.slice()
  }

  async getMany(keys: readonly string[]): Promise<(Uint8Array | undefined)[]> {
    return keys.map((key) => this.#lru.get(key)?.slice())
  }

  async set(key: string, value: Uint8Array, ttlMs?: number): Promise<void> {
    this.#write({ key, value, ttlMs })
  }

  async setMany(entries: readonly StoreEntry[]): Promise<void> {
    for (const entry of entries) this.#checkSize(entry.key, entry.value)
    for (const entry of entries) this.#write(entry)
  }

  async delete(key: string): Promise<boolean> {
    return this.#lru.delete(key)
  }

  async deleteMany(keys: readonly string[]): Promise<number> {
    let removed = 0
    for (const key of keys) if (this.#lru.delete(key)) removed++
    return removed
  }

  async clear(prefix: string): Promise<void> {
    for (const key of [...this.#lru.keys()]) if (key.startsWith(prefix)) this.#lru.delete(key)
  }

  async *keys(prefix: string): AsyncIterable<string> {
    for (const key of this.#lru.keys()) {
      if (key.startsWith(prefix) && this.#lru.has(key)) yield key
    }
  }

  async ping(): Promise<number> {
    return 0
  }

  async close(): Promise<void> {}

  #checkSize(key: string, value: Uint8Array): void {
    if (!(value instanceof Uint8Array)) {
      throw new ValidationError(`memoryStore.set("${key}") expects a Uint8Array`, 'INVALID_VALUE')
    }
    if (value.length > this.maxBytes) {
      throw new ValidationError(
        `Value for "${key}" is ${value.length} bytes, above the store's maxBytes (${this.maxBytes})`,
        'ENTRY_TOO_LARGE',
      )
    }
  }

  #write({ key, value, ttlMs }: StoreEntry): void {
    this.#checkSize(key, value)
    this.#lru.set(key, value.slice(), ttlMs === undefined ? {} : { ttl: Math.max(1, Math.ceil(ttlMs)) })
  }
}

/** Creates an in-memory `Store`. */
export function memoryStore(options: MemoryBounds = {}): MemoryStore {
  return new MemoryStore(options)
}
