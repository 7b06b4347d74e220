import type { Clock } from '../clock'
import type { Store } from '../contracts/store'
import { CacheError, InfrastructureError } from '../errors'
import { CircuitBreaker, type CircuitState } from './circuit-breaker'
import { withTimeout } from './with-timeout'

/** Options for {@link GuardedStore}. */
export interface GuardedStoreOptions {
  commandTimeoutMs: number
  breakerFailureThreshold: number
  breakerRecoveryMs: number
  now: Clock
  onStateChange?: (state: CircuitState) => void
}

/** Runs every store call under a timeout and a circuit breaker, so a dead backend never hangs callers. */
export class GuardedStore {
  readonly store: Store
  readonly breaker: CircuitBreaker
  readonly #timeoutMs: number
  #probeTimer: ReturnType<typeof setTimeout> | undefined
  #stopped = false

  constructor(store: Store, options: GuardedStoreOptions) {
    this.store = store
    this.#timeoutMs = options.commandTimeoutMs
    this.breaker = new CircuitBreaker({
      failureThreshold: options.breakerFailureThreshold,
      recoveryMs: options.breakerRecoveryMs,
      now: options.now,
      onStateChange: (state) => {
        if (state === 'open') this.#scheduleProbe(options.breakerRecoveryMs)
        options.onStateChange?.(state)
      },
    })
  }

  /** Stops the background probe; called when the cache closes. */
  stop(): void {
    this.#stopped = true
    clearTimeout(this.#probeTimer)
  }

  /**
   * While the circuit is open, L1 may answer every read and nothing would ever reach L2 to probe it
   * (pending writes would wait forever): so the guard pings the store itself once recovery is due.
   */
  #scheduleProbe(delayMs: number): void {
    clearTimeout(this.#probeTimer)
    if (this.#stopped) return
    this.#probeTimer = setTimeout(() => {
      this.#probeTimer = undefined
      // Reopened meanwhile (a late failure): wait for the new recovery time.
      if (this.breaker.retryInMs > 0) return this.#scheduleProbe(this.breaker.retryInMs)
      if (this.breaker.state !== 'closed') this.call('probe', (store) => store.ping()).catch(() => {})
    }, delayMs)
    // Never keep a process alive just to probe (Node, Bun); edge runtimes return a number here.
    ;(this.#probeTimer as { unref?: () => void }).unref?.()
  }

  /** Calls `run` on the store unless the circuit is open; failures and timeouts feed the breaker. */
  async call<T>(operation: string, run: (store: Store) => Promise<T>): Promise<T> {
    if (!this.breaker.allow()) {
      throw new InfrastructureError(`${this.store.name} skipped: circuit open`, 'CIRCUIT_OPEN')
    }
    try {
      const result = await withTimeout(run(this.store), this.#timeoutMs, `${this.store.name} ${operation}`)
      this.breaker.success()
      return result
    } catch (error) {
      this.breaker.failure()
      if (error instanceof CacheError) throw error
      throw new InfrastructureError(
        `${this.store.name} ${operation} failed: ${(error as Error)?.message}`,
        'INFRASTRUCTURE',
        {
          cause: error,
        },
      )
    }
  }
}
