import type { Clock } from '../clock'
import type { Store } from '../contracts/store'
import { CacheError, InfrastructureError } from '../errors'
import { CircuitBreaker, type CircuitState } from './circuit-breaker'
import { type Deadline, DeadlineQueue } from './deadline-queue'

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
  /** Undefined when calls have no timeout (`Infinity`). */
  readonly #deadlines: DeadlineQueue | undefined
  #probeTimer: ReturnType<typeof setTimeout> | undefined
  #stopped = false
  readonly #stopListening: (() => void) | undefined

  constructor(store: Store, options: GuardedStoreOptions) {
    this.store = store
    this.#timeoutMs = options.commandTimeoutMs
    this.#deadlines = Number.isFinite(this.#timeoutMs) ? new DeadlineQueue(this.#timeoutMs) : undefined
    this.breaker = new CircuitBreaker({
      failureThreshold: options.breakerFailureThreshold,
      recoveryMs: options.breakerRecoveryMs,
      now: options.now,
      onStateChange: (state) => {
        if (state === 'open') this.#scheduleProbe(this.breaker.retryInMs)
        options.onStateChange?.(state)
      },
    })
    this.#stopListening = store.onReconnect?.(() => {
      if (this.breaker.state !== 'open') return
      this.breaker.probeNow()
      this.#scheduleProbe(0)
    })
  }

  /** Stops the background probe; called when the cache closes. */
  stop(): void {
    this.#stopped = true
    clearTimeout(this.#probeTimer)
    this.#stopListening?.()
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

  /**
   * Calls `run` on the store unless the circuit is open; failures and timeouts feed the breaker.
   * Every L2 command passes here, so it is not async, builds no label unless something fails, and
   * times the call through the shared deadline queue rather than a timer of its own.
   */
  call<T, A = undefined>(operation: string, run: (store: Store, arg: A) => Promise<T>, arg?: A): Promise<T> {
    if (!this.breaker.allow()) {
      return Promise.reject(
        new InfrastructureError(`${this.store.name} skipped: circuit open`, 'CIRCUIT_OPEN'),
      )
    }
    let pending: Promise<T>
    try {
      // `arg` lets a hot caller pass a shared function and its argument instead of a new closure.
      pending = run(this.store, arg as A)
    } catch (error) {
      pending = Promise.reject(error)
    }
    const deadlines = this.#deadlines
    if (deadlines === undefined) {
      return pending.then(
        (value) => {
          this.breaker.success()
          return value
        },
        (error: unknown) => {
          throw this.failed(operation, error)
        },
      )
    }
    const call = new TimedCall<T>(this, operation, deadlines)
    // These handlers also consume a late rejection after a timeout, so it is never unhandled.
    pending.then(call.settle, call.fail)
    return call.promise
  }

  /** Feeds the breaker and turns a failure or a timeout into a `CacheError`. @internal */
  failed(operation: string, error: unknown, timedOut = false): CacheError {
    this.breaker.failure()
    if (timedOut) {
      return new InfrastructureError(
        `${this.store.name} ${operation} timed out after ${this.#timeoutMs} ms`,
        'TIMEOUT',
      )
    }
    if (error instanceof CacheError) return error
    return new InfrastructureError(
      `${this.store.name} ${operation} failed: ${(error as Error)?.message}`,
      'INFRASTRUCTURE',
      { cause: error },
    )
  }
}

// The executor `new Promise` calls synchronously: one shared function hands out resolve and reject, so a
// call allocates no executor closure.
let takenResolve: (value: never) => void = () => {}
let takenReject: (error: unknown) => void = () => {}
const take = (resolve: (value: never) => void, reject: (error: unknown) => void): void => {
  takenResolve = resolve
  takenReject = reject
}

/**
 * One store call timed by the guard's deadline queue: the queue's entry and the call's promise in one
 * object, whose `expire` the queue calls as a method (no closure for it either).
 */
class TimedCall<T> implements Deadline {
  readonly promise: Promise<T>
  readonly at: number
  done = false
  next: Deadline | undefined = undefined
  readonly #resolve: (value: T) => void
  readonly #reject: (error: unknown) => void
  readonly #guard: GuardedStore
  readonly #operation: string
  readonly #deadlines: DeadlineQueue

  constructor(guard: GuardedStore, operation: string, deadlines: DeadlineQueue) {
    this.promise = new Promise<T>(take)
    this.#resolve = takenResolve as (value: T) => void
    this.#reject = takenReject
    this.#guard = guard
    this.#operation = operation
    this.#deadlines = deadlines
    this.at = deadlines.deadlineFromNow()
    deadlines.push(this)
  }

  expire(): void {
    this.#reject(this.#guard.failed(this.#operation, undefined, true))
  }

  readonly settle = (value: T): void => {
    if (!this.#deadlines.settle(this)) return
    this.#guard.breaker.success()
    this.#resolve(value)
  }

  readonly fail = (error: unknown): void => {
    if (this.#deadlines.settle(this)) this.#reject(this.#guard.failed(this.#operation, error))
  }
}
