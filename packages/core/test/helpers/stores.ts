import type { L1Entry, L1Tier, Store, StoreEntry } from '../../src/index'

/** A minimal Map-backed Store for core's own tests (adapters are tested in their packages). */
export function mapStore(
  now: () => number = Date.now,
): Store & { data: Map<string, { value: Uint8Array; expiresAt: number }> } {
  const data = new Map<string, { value: Uint8Array; expiresAt: number }>()
  const live = (key: string) => {
    const e = data.get(key)
    if (e && e.expiresAt <= now()) data.delete(key)
    return data.get(key)
  }
  return {
    name: 'map',
    capabilities: { nativeTtl: true, shared: false },
    data,
    async get(key) {
      return live(key)?.value.slice()
    },
    async getMany(keys) {
      return keys.map((k) => live(k)?.value.slice())
    },
    async set(key, value, ttlMs) {
      data.set(key, {
        value: value.slice(),
        expiresAt: ttlMs === undefined ? Number.POSITIVE_INFINITY : now() + ttlMs,
      })
    },
    async setMany(entries: readonly StoreEntry[]) {
      for (const e of entries) await this.set(e.key, e.value, e.ttlMs)
    },
    async delete(key) {
      return live(key) !== undefined && data.delete(key)
    },
    async deleteMany(keys) {
      let n = 0
      for (const k of keys) if (live(k) !== undefined && data.delete(k)) n++
      return n
    },
    async clear(prefix) {
      for (const k of [...data.keys()]) if (k.startsWith(prefix)) data.delete(k)
    },
    async *keys(prefix) {
      for (const k of [...data.keys()]) if (k.startsWith(prefix) && live(k)) yield k
    },
    async ping() {
      return 0
    },
    async close() {},
  }
}

/** Wraps a store so tests can make it fail fast, or stall like a dead TCP connection. */
export function chaosStore(inner: Store): Store & { mode: 'ok' | 'fail' | 'stall'; calls: number } {
  const chaos = {
    mode: 'ok' as 'ok' | 'fail' | 'stall',
    calls: 0,
  }
  const wrap =
    <A extends unknown[], R>(fn: (...args: A) => Promise<R>) =>
    (...args: A): Promise<R> => {
      chaos.calls++
      if (chaos.mode === 'fail') return Promise.reject(new Error('ECONNREFUSED (chaos)'))
      if (chaos.mode === 'stall') return new Promise<R>(() => {})
      return fn(...args)
    }
  return Object.assign(chaos, {
    name: 'chaos',
    capabilities: inner.capabilities,
    get: wrap(inner.get.bind(inner)),
    getMany: wrap(inner.getMany.bind(inner)),
    set: wrap(inner.set.bind(inner)),
    setMany: wrap(inner.setMany.bind(inner)),
    delete: wrap(inner.delete.bind(inner)),
    deleteMany: wrap(inner.deleteMany.bind(inner)),
    clear: wrap(inner.clear.bind(inner)),
    keys: (prefix: string) => inner.keys(prefix),
    ping: wrap(inner.ping.bind(inner)),
    close: () => inner.close(),
  })
}

/** A Map-backed L1 tier for core's own tests. */
export function mapL1(): L1Tier & { data: Map<string, L1Entry> } {
  const data = new Map<string, L1Entry>()
  return {
    name: 'map-l1',
    data,
    get: (key) => data.get(key),
    set: (key, entry) => void data.set(key, entry),
    delete: (key) => data.delete(key),
    clear: (prefix) => {
      for (const k of [...data.keys()]) if (!prefix || k.startsWith(prefix)) data.delete(k)
    },
    keys: () => data.keys(),
    get size() {
      return data.size
    },
    get bytes() {
      let total = 0
      for (const e of data.values()) total += e.size
      return total
    },
    evictions: 0,
  }
}
