import type { CacheParts } from './cache-parts'
import type { Found, L2Reader } from './l2-read'
import { loadWithLock } from './lock-loader'
import type { SetOptions } from './options'
import type { WritePath } from './write-path'

/** The body of a `getOrSet` flight after an L1 miss: L2, then the loader (under the lock), with fail-safe. */
export class ReadThrough {
  readonly #parts: CacheParts
  readonly #reads: L2Reader
  readonly #writes: WritePath

  constructor(parts: CacheParts, reads: L2Reader, writes: WritePath) {
    this.#parts = parts
    this.#reads = reads
    this.#writes = writes
  }

  /** The fresh L2 value, else the loader's result (stored), else a stale value within grace if the loader failed. */
  async load(key: string, fullKey: string, loader: () => unknown, options: SetOptions): Promise<unknown> {
    // Without L2 nothing is awaited before the loader, so it starts within the first caller's call.
    const found = this.#parts.l2 ? await this.#reads.read(fullKey, key) : undefined
    if (found && found.meta.expiresAt > this.#parts.now()) return found.value
    const stale = found ?? this.#staleFromL1(key)
    try {
      // With L2 down the lock (usually on the same server) would only add a timeout to every load.
      if (this.#parts.lock && this.#parts.l2?.breaker.state !== 'open')
        return await this.#loadWithLock(key, fullKey, loader, options)
      return await this.#loadAndStore(key, loader, options)
    } catch (error) {
      if (stale && stale.meta.staleUntil > this.#parts.now()) {
        this.#parts.counters.staleServed++
        this.#parts.emitError(error, 'loader', 'getOrSet', key)
        return stale.value
      }
      throw error
    } finally {
      this.#parts.counters.misses++
    }
  }

  #staleFromL1(key: string): Found | undefined {
    const entry = this.#parts.l1?.get(key)
    return entry ? { value: this.#reads.readL1Value(entry), meta: entry } : undefined
  }

  async #loadAndStore(
    key: string,
    loader: () => unknown,
    options: SetOptions,
    stored?: () => void,
  ): Promise<unknown> {
    this.#parts.counters.loads++
    const value = await loader()
    if (value === undefined) return undefined
    return this.#writes.storeAndRead(this.#writes.prepare(key, value, options, true), stored)
  }

  #loadWithLock(key: string, fullKey: string, loader: () => unknown, options: SetOptions): Promise<unknown> {
    const settings = this.#parts.options
    return loadWithLock({
      lock: this.#parts.lock!,
      lockKey: `${fullKey}:lock`,
      lockTtlMs: settings.lockTtlMs,
      lockWaitMs: settings.lockWaitMs,
      commandTimeoutMs: settings.commandTimeoutMs,
      readFresh: async () => {
        const found = await this.#reads.read(fullKey, key)
        return found && found.meta.expiresAt > this.#parts.now() ? found : undefined
      },
      load: (stored) => this.#loadAndStore(key, loader, options, stored),
      onError: (error, operation) => this.#parts.emitError(error, 'lock', operation, key),
    })
  }
}
