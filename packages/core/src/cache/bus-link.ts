import type { InvalidationMessage } from '../contracts/bus'
import { withTimeout } from '../resilience/with-timeout'
import type { CacheParts } from './cache-parts'
import { applyInvalidation, logInvalidation } from './invalidation'
import type { WriteLog } from './write-log'

/** The cache's side of the invalidation bus: publishes its writes, drops what other instances changed. */
export class BusLink {
  readonly #parts: CacheParts
  #unsubscribe: (() => Promise<void>) | undefined
  #log: WriteLog | undefined

  constructor(parts: CacheParts) {
    this.#parts = parts
  }

  /** Logs other instances' writes in `log` too, so reads and loads in flight here do not store older values. */
  logTo(log: WriteLog): void {
    this.#log = log
  }

  /** Subscribes within the connect timeout; rejects when the bus cannot be reached. */
  async subscribe(): Promise<void> {
    const { bus, l1, options } = this.#parts
    if (!bus) return
    this.#unsubscribe = await withTimeout(
      bus.subscribe(
        (message) => this.#onInvalidation(message),
        () => {
          // Messages may have been lost while disconnected: anything may have changed.
          this.#log?.touchAll()
          l1?.clear()
        },
      ),
      options.connectTimeoutMs,
      'bus subscribe',
    )
  }

  /** Not awaited: a write's latency is bounded by the L2 timeout alone, never by a slow bus on top. */
  publish(message: InvalidationMessage): void {
    // A clear is published once L2 is cleared: a read or load started before must not store what it read.
    if (message.kind === 'clear') this.#log?.touchAll()
    const { bus, options } = this.#parts
    if (!bus || this.#parts.isClosed()) return
    withTimeout(bus.publish(message), options.commandTimeoutMs, 'bus publish').catch((error) =>
      this.#parts.emitError(error, 'bus', 'publish'),
    )
  }

  #onInvalidation(message: InvalidationMessage): void {
    const { id, l1, prefix } = this.#parts
    if (message.origin === id) return
    if (this.#log) logInvalidation(this.#log, prefix, message)
    if (l1) applyInvalidation(l1, prefix, message)
  }

  /** Unsubscribes, if subscribed; never rejects. */
  async unsubscribe(): Promise<void> {
    await this.#unsubscribe?.().catch(() => {})
  }
}
