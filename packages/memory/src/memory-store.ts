import { type Store, type StoreEntry, ValidationError } from '@cache/core'
import { LRUCache } from 'lru-cache'
import { STORE_DEFAULTS } from './defaults'
import { type MemoryBounds, resolveBounds } from './options'

/**
 * lru-cache allocates its index for `max` entries up front (about 52 bytes each, ~870 MB here); past it
 * a bigger `maxItems` throws a RangeError or runs the process out of memory at construction.
 */
const MAX_ITEMS = 2 ** 24

const performanceNow = () => performance.now()

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
    const { maxItems, maxBytes, now } = resolveBounds('memoryStore', options, STORE_DEFAULTS, {
      maxItems: MAX_ITEMS,
      maxItemsWhy: ' (its index is allocated up front)',
    })
    this.maxBytes = maxBytes
    // Monotonic, as lru-cache's own clock: a wall clock stepped forward must not expire everything.
    this.#now = now ?? performanceNow
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
    for (const entry of entries) this.#check(entry)
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
    checkPrefix(prefix)
    for (const key of [...this.#lru.keys()]) if (key.startsWith(prefix)) this.#lru.delete(key)
  }

  async *keys(prefix: string): AsyncIterable<string> {
    checkPrefix(prefix)
    // A snapshot of the matching keys: a caller that reads (get moves a key to the front) or deletes
    // while it iterates would otherwise send lru-cache's live list walk back over keys it already gave.
    const matching: string[] = []
    for (const key of this.#lru.keys()) if (key.startsWith(prefix)) matching.push(key)
    for (const key of matching) {
      // peek(): listing must not reorder; a key deleted or expired since the snapshot is skipped.
      if ((this.#lru.peek(key)?.expiresAt ?? 0) > this.#now()) yield key
    }
  }

  async ping(): Promise<number> {
    return 0
  }

  async close(): Promise<void> {}

  #check({ key, value, ttlMs }: StoreEntry): void {
    if (!(value instanceof Uint8Array)) {
      throw new ValidationError(`memoryStore.set("${key}") expects a Uint8Array`, 'INVALID_VALUE')
    }
    if (value.length > this.maxBytes) {
      throw new ValidationError(
        `Value for "${key}" is ${value.length} bytes, above the store's maxBytes (${this.maxBytes})`,
        'ENTRY_TOO_LARGE',
      )
    }
    // NaN (or a Duration string) would never compare as expired: the entry would live forever.
    if (ttlMs !== undefined && (typeof ttlMs !== 'number' || Number.isNaN(ttlMs))) {
      throw new ValidationError(
        `memoryStore.set("${key}") ttlMs must be a number of milliseconds, got ${String(ttlMs)}`,
        'INVALID_TTL',
      )
    }
  }

  #write(entry: StoreEntry): void {
    this.#check(entry)
    const { key, value, ttlMs } = entry
    const expiresAt = ttlMs === undefined ? Number.POSITIVE_INFINITY : this.#now() + ttlMs
    this.#lru.set(
      key,
      // Not value.slice(): on a Node Buffer that is a view sharing the caller's memory, not a copy.
      { value: new Uint8Array(value), expiresAt },
      ttlMs === undefined ? {} : { ttl: Math.max(1, Math.ceil(ttlMs)) + 1 },
    )
  }
}

/** `startsWith(undefined)` matches the text "undefined": a missing prefix must fail, not clear those keys. */
function checkPrefix(prefix: string): void {
  if (typeof prefix !== 'string') {
    throw new ValidationError(`memoryStore expects a string prefix, got ${typeof prefix}`, 'INVALID_KEY')
  }
}

/** Creates an in-memory `Store`. */
export function memoryStore(options: MemoryBounds = {}): MemoryStore {
  return new MemoryStore(options)
}
