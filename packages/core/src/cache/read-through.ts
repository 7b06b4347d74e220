import type { CacheParts } from './cache-parts'
import { forSharing } from './entry'
import type { Found, L2Reader } from './l2-read'
import { loadWithLock } from './lock-loader'
import type { SetOptions } from './options'
import type { Unshared } from './single-flight'
import { writeEpoch } from './write-log'
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

  /**
   * The fresh L2 value, else the loader's result (stored), else a stale value within grace if the loader
   * failed. A value that is not frozen comes wrapped (`Unshared`), so each caller joined on the flight
   * gets its own copy.
   */
  async load(
    key: string,
    fullKey: string,
    loader: () => unknown,
    options: SetOptions,
  ): Promise<unknown | Unshared<unknown>> {
    // Taken before anything is read: a write to the key from now on makes the loaded value too old to store.
    const since = writeEpoch()
    // Without L2 nothing is awaited before the loader, so it starts within the first caller's call.
    const found = this.#parts.l2 ? await this.#reads.read(fullKey, key) : undefined
    if (found && found.meta.expiresAt > this.#parts.now()) return this.#shared(found)
    const stale = found ?? this.#staleFromL1(key)
    try {
      // With L2 down the lock (usually on the same server) would only add a timeout to every load.
      if (this.#parts.lock && this.#parts.l2?.breaker.state !== 'open')
        return await this.#loadWithLock(key, fullKey, loader, options, since)
      return await this.#loadAndStore(key, loader, options, since)
    } catch (error) {
      if (stale && stale.meta.staleUntil > this.#parts.now()) {
        this.#parts.counters.staleServed++
        this.#parts.emitError(error, 'loader', 'getOrSet', key)
        return this.#shared(stale)
      }
      throw error
    } finally {
      this.#parts.counters.misses++
    }
  }

  #shared(found: Found): unknown {
    return forSharing(found.value, found.payload, this.#parts.codec.serializer)
  }

  #staleFromL1(key: string): Found | undefined {
    const entry = this.#parts.l1?.get(key)
    return entry ? { value: this.#reads.readL1Value(entry), meta: entry, payload: entry.payload } : undefined
  }

  async #loadAndStore(
    key: string,
    loader: () => unknown,
    options: SetOptions,
    since: number,
    stored?: () => void,
  ): Promise<unknown> {
    this.#parts.counters.loads++
    const value = await loader()
    if (value === undefined) return undefined
    const write = this.#writes.prepare(key, value, options, true)
    write.since = since
    return this.#writes.storeAndRead(write, stored)
  }

  #loadWithLock(
    key: string,
    fullKey: string,
    loader: () => unknown,
    options: SetOptions,
    since: number,
  ): Promise<unknown> {
    const settings = this.#parts.options
    return loadWithLock({
      lock: this.#parts.lock!,
      lockKey: `${fullKey}:lock`,
      lockTtlMs: settings.lockTtlMs,
      lockWaitMs: settings.lockWaitMs,
      commandTimeoutMs: settings.commandTimeoutMs,
      readFresh: async () => {
        const found = await this.#reads.read(fullKey, key)
        return found && found.meta.expiresAt > this.#parts.now() ? { value: this.#shared(found) } : undefined
      },
      load: (stored) => this.#loadAndStore(key, loader, options, since, stored),
      onError: (error, operation) => this.#parts.emitError(error, 'lock', operation, key),
    })
  }
}
