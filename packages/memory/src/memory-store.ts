import { type Store, type StoreEntry, ValidationError } from '@cache/core'
import { LRUCache } from 'lru-cache'
import { STORE_DEFAULTS } from './defaults'
import { type MemoryBounds, resolveBounds } from './options'

interface StoredValue {
  value: Uint8Array
  expiresAt: number
}

/** A `Store` kept in this process (for tests, single-instance apps, and as a stand-in L2). */
export class MemoryStore implements Store {
  readonly name = 'memory'
  readonly capabilities = { nativeTtl: true, shared: false } as const
  readonly maxBytes: number
  readonly #lru: LRUCache<string, StoredValue>
  readonly #now: () => number

  constructor(options: MemoryBounds = {}) {
    const { maxItems, maxBytes, now } = resolveBounds('memoryStore', options, STORE_DEFAULTS)
    this.maxBytes = maxBytes
    this.#now = now ?? Date.now
    this.#lru = new LRUCache<string, StoredValue>({
      max: maxItems,
      maxSize: maxBytes,
      sizeCalculation: (entry) => Math.max(1, entry.value.length),
      ...(now ? { perf: { now } } : {}),
    })
  }

  /** The live entry; expiry is checked here, exactly at `expiresAt`, not at lru-cache's resolution. */
  #live(key: string): StoredValue | undefined {
    const entry = this.#lru.get(key)
    if (entry === undefined) return undefined
    if (entry.expiresAt <= this.#now()) {
      this.#lru.delete(key)
      return undefined
    }
    return entry
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    // Copies keep callers from changing stored bytes through a returned view.
    return this.#live(key)?.value.slice()
  }

  async getMany(keys: readonly string[]): Promise<(Uint8Array | undefined)[]> {
    return keys.map((key) => this.#live(key)?.value.slice())
  }

  async set(key: string, value: Uint8Array, ttlMs?: number): Promise<void> {
    this.#write({ key, value, ttlMs })
  }

  async setMany(entries: readonly StoreEntry[]): Promise<void> {
    for (const entry of entries) this.#checkSize(entry.key, entry.value)
    for (const entry of entries) this.#write(entry)
  }

  async delete(key: string): Promise<boolean> {
    return this.#live(key) !== undefined && this.#lru.delete(key)
  }

  async deleteMany(keys: readonly string[]): Promise<number> {
    let removed = 0
    for (const key of keys) if (this.#live(key) !== undefined && this.#lru.delete(key)) removed++
    return removed
  }

  async clear(prefix: string): Promise<void> {
    for (const key of [...this.#lru.keys()]) if (key.startsWith(prefix)) this.#lru.delete(key)
  }

  async *keys(prefix: string): AsyncIterable<string> {
    for (const key of this.#lru.keys()) {
      // peek() and no delete: keys() must not reorder or shrink the list it is iterating.
      if (key.startsWith(prefix) && (this.#lru.peek(key)?.expiresAt ?? 0) > this.#now()) yield key
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
    const expiresAt = ttlMs === undefined ? Number.POSITIVE_INFINITY : this.#now() + ttlMs
    this.#lru.set(
      key,
      { value: value.slice(), expiresAt },
      ttlMs === undefined ? {} : { ttl: Math.max(1, Math.ceil(ttlMs)) + 1 },
    )
  }
}

/** Creates an in-memory `Store`. */
export function memoryStore(options: MemoryBounds = {}): MemoryStore {
  return new MemoryStore(options)
}
