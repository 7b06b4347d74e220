import {
  type CacheOptions,
  createCache,
  type L1Entry,
  type L1Tier,
  type Store,
  type StoreEntry,
} from '../../src/index'
import { settle } from './deferred'

/** A manual clock in epoch ms: tests move `now`, and hand `fn` to the cache and the store. */
export function manualClock(start = 1_700_000_000_000) {
  const clock = { now: start, fn: () => clock.now }
  return clock
}

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

/** Turns one store command into one that can fail, stall or wait, as a test fixture decides. */
type Wrap = <A extends unknown[], R>(fn: (...args: A) => Promise<R>) => (...args: A) => Promise<R>

/** The data commands of `inner` (not keys, ping or close), each bound to it and passed through `wrap`. */
function wrapCommands(inner: Store, wrap: Wrap) {
  return {
    get: wrap(inner.get.bind(inner)),
    getMany: wrap(inner.getMany.bind(inner)),
    set: wrap(inner.set.bind(inner)),
    setMany: wrap(inner.setMany.bind(inner)),
    delete: wrap(inner.delete.bind(inner)),
    deleteMany: wrap(inner.deleteMany.bind(inner)),
    clear: wrap(inner.clear.bind(inner)),
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
    ...wrapCommands(inner, wrap),
    keys: (prefix: string) => inner.keys(prefix),
    ping: wrap(inner.ping.bind(inner)),
    close: () => inner.close(),
  })
}

/**
 * A cache with a Map-backed L1 over `chaosStore(mapStore(options.now))`: `store` is the chaos wrapper,
 * `inner` the store behind it (what L2 really holds).
 */
export async function chaosCache(options: Partial<CacheOptions> = {}) {
  const inner = mapStore(options.now)
  const store = chaosStore(inner)
  const cache = await createCache({ store, l1: mapL1(), ...options })
  return { cache, store, inner }
}

/**
 * Wraps a store so that, from `hold()` on, each command's reply waits until the test delivers it, in any
 * order (as separate connections, or a pool, could answer). The command runs on the data when it is
 * sent, or with `runOnDelivery` only when its reply is delivered (in delivery order).
 */
export function heldStore(inner: ReturnType<typeof mapStore>, { runOnDelivery = false } = {}) {
  const replies: (() => void)[] = []
  let holding = false
  const hold =
    <A extends unknown[], R>(fn: (...args: A) => Promise<R>) =>
    (...args: A): Promise<R> => {
      if (!holding) return fn(...args)
      // Run now (the server got it) or on delivery (the server runs it only then, in delivery order).
      const result = runOnDelivery ? undefined : fn(...args)
      return new Promise<R>((resolve, reject) => {
        replies.push(() => (result ?? fn(...args)).then(resolve, reject))
      })
    }
  const store: Store = { ...inner, name: 'held', ...wrapCommands(inner, hold) }
  return {
    store,
    hold() {
      holding = true
    },
    get held() {
      return replies.length
    },
    /** Delivers the held reply at `index` (0 = oldest still held). */
    async deliver(index = 0) {
      replies.splice(index, 1)[0]?.()
      await settle()
    },
    async release() {
      holding = false
      while (replies.length > 0) await this.deliver(0)
    },
  }
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
