import type { InvalidationMessage } from '../contracts/bus'
import { withTimeout } from '../resilience/with-timeout'
import type { CacheParts } from './cache-parts'
import { applyInvalidation } from './invalidation'

/** The cache's side of the invalidation bus: publishes its writes, drops what other instances changed. */
export class BusLink {
  readonly #parts: CacheParts
  #unsubscribe: (() => Promise<void>) | undefined

  constructor(parts: CacheParts) {
    this.#parts = parts
  }

  /** Subscribes within the connect timeout; rejects when the bus cannot be reached. */
  async subscribe(): Promise<void> {
    const { bus, l1, options } = this.#parts
    if (!bus) return
    this.#unsubscribe = await withTimeout(
      bus.subscribe(
        (message) => this.#onInvalidation(message),
        () => l1?.clear(),
      ),
      options.connectTimeoutMs,
      'bus subscribe',
    )
  }

  /** Not awaited: a write's latency is bounded by the L2 timeout alone, never by a slow bus on top. */
  publish(message: InvalidationMessage): void {
    const { bus, options } = this.#parts
    if (!bus || this.#parts.isClosed()) return
    withTimeout(bus.publish(message), options.commandTimeoutMs, 'bus publish').catch((error) =>
      this.#parts.emitError(error, 'bus', 'publish'),
    )
  }

  #onInvalidation(message: InvalidationMessage): void {
    const { id, l1, prefix } = this.#parts
    if (message.origin !== id && l1) applyInvalidation(l1, prefix, message)
  }

  /** Unsubscribes, if subscribed; never rejects. */
  async unsubscribe(): Promise<void> {
    await this.#unsubscribe?.().catch(() => {})
  }
}
