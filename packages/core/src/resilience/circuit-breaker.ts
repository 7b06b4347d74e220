import type { Clock } from '../clock'

/** `closed`: calls flow; `open`: calls are skipped; `half-open`: one probe decides. */
export type CircuitState = 'closed' | 'open' | 'half-open'

/** Options for {@link CircuitBreaker}. */
export interface CircuitBreakerOptions {
  /** Consecutive failures that open the circuit. */
  failureThreshold: number
  /**
   * How long the circuit stays open before a probe is let through. While the backend stays down, probes
   * start every `recoveryMs` (a failed probe's own wait counts), so a backend that comes back is used
   * again within `recoveryMs` plus one round trip.
   */
  recoveryMs: number
  now: Clock
  onStateChange?: (state: CircuitState) => void
}

/** Counts consecutive failures and short-circuits a failing backend until it recovers. */
export class CircuitBreaker {
  #state: CircuitState = 'closed'
  #failures = 0
  #openedAt = 0
  #probing = false
  #probeStartedAt = 0
  #opened = 0
  readonly #options: CircuitBreakerOptions

  constructor(options: CircuitBreakerOptions) {
    this.#options = options
  }

  get state(): CircuitState {
    if (this.#state === 'open' && this.#options.now() - this.#openedAt >= this.#options.recoveryMs) {
      this.#transition('half-open')
    }
    return this.#state
  }

  /** Milliseconds until an open circuit lets a probe through; 0 when not open. */
  get retryInMs(): number {
    if (this.#state !== 'open') return 0
    return Math.max(0, this.#openedAt + this.#options.recoveryMs - this.#options.now())
  }

  /** How many times the circuit has opened. */
  get timesOpened(): number {
    return this.#opened
  }

  /** True when a call may go ahead; in half-open state only one probe at a time is allowed. */
  allow(): boolean {
    const state = this.state
    if (state === 'closed') return true
    if (state === 'open' || this.#probing) return false
    this.#probing = true
    this.#probeStartedAt = this.#options.now()
    return true
  }

  success(): void {
    this.#failures = 0
    this.#probing = false
    if (this.#state !== 'closed') this.#transition('closed')
  }

  /** Lets an open circuit's probe through now (the backend says it is reachable again). */
  probeNow(): void {
    if (this.#state === 'open') this.#openedAt = this.#options.now() - this.#options.recoveryMs
  }

  /** Opens the circuit at once (the backend was unreachable at start). */
  trip(): void {
    this.#open(this.#options.now())
  }

  failure(): void {
    const probeFailed = this.#probing && this.#state === 'half-open'
    this.#failures++
    // The next probe is due a recovery window after this one started, not after it timed out.
    if (probeFailed) this.#open(this.#probeStartedAt)
    else if (this.#state === 'half-open' || this.#failures >= this.#options.failureThreshold) this.trip()
  }

  #open(at: number): void {
    this.#probing = false
    this.#openedAt = at
    if (this.#state !== 'open') {
      this.#opened++
      this.#transition('open')
    }
  }

  #transition(state: CircuitState): void {
    this.#state = state
    this.#options.onStateChange?.(state)
  }
}
