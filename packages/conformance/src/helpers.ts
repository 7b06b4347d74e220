import type { Store } from '@cache/core'

const encoder = new TextEncoder()

/** UTF-8 bytes of `value`. */
export function text(value: string): Uint8Array {
  return encoder.encode(value)
}

/** `length` bytes computed by `at(index)`. */
export function bytes(length: number, at: (index: number) => number): Uint8Array {
  const out = new Uint8Array(length)
  for (let i = 0; i < length; i++) out[i] = at(i)
  return out
}

/** A prefix no other test uses, so suites can share one backend. */
export function randomPrefix(): string {
  return `conf:${Date.now().toString(36)}:${Math.random().toString(36).slice(2, 10)}:`
}

/** A fresh cache namespace per test (no `:`, which a namespace must not hold). */
export function randomNamespace(): string {
  return `conf-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`
}

/** Polls `check` until it holds, failing after `timeoutMs`. */
export async function waitFor(check: () => Promise<boolean> | boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    if (await check()) return
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`)
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
}

/** The Store methods {@link countingStore} counts. */
export type CountedMethod =
  | 'get'
  | 'getMany'
  | 'set'
  | 'setMany'
  | 'delete'
  | 'deleteMany'
  | 'clear'
  | 'keys'
  | 'ping'

/** `inner` behind a wrapper that counts each call per method, for tests that prove how many round trips ran. */
export function countingStore(inner: Store): { store: Store; counts: Record<CountedMethod, number> } {
  const counts: Record<CountedMethod, number> = {
    get: 0,
    getMany: 0,
    set: 0,
    setMany: 0,
    delete: 0,
    deleteMany: 0,
    clear: 0,
    keys: 0,
    ping: 0,
  }
  const count = <T>(method: CountedMethod, call: () => T): T => {
    counts[method]++
    return call()
  }
  const store: Store = {
    name: inner.name,
    capabilities: inner.capabilities,
    get: (key) => count('get', () => inner.get(key)),
    getMany: (keys) => count('getMany', () => inner.getMany(keys)),
    set: (key, value, ttlMs) => count('set', () => inner.set(key, value, ttlMs)),
    setMany: (entries) => count('setMany', () => inner.setMany(entries)),
    delete: (key) => count('delete', () => inner.delete(key)),
    deleteMany: (keys) => count('deleteMany', () => inner.deleteMany(keys)),
    clear: (prefix) => count('clear', () => inner.clear(prefix)),
    keys: (prefix) => count('keys', () => inner.keys(prefix)),
    ping: () => count('ping', () => inner.ping()),
    close: () => inner.close(),
  }
  return { store, counts }
}
