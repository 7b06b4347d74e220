/** A call being timed by a {@link DeadlineQueue}. */
export interface Deadline {
  /** When the call times out, on the queue's clock (milliseconds). */
  readonly at: number
  /** Set once the call settled or timed out; the other outcome is then ignored. */
  done: boolean
  /** Runs once if the call is still pending at `at`. */
  readonly expire: () => void
  next: Deadline | undefined
}

// Monotonic where available (every runtime we target has `performance`): a wall-clock step must not
// fire or postpone timeouts.
const monotonicNow: () => number =
  typeof globalThis.performance?.now === 'function' ? () => globalThis.performance.now() : () => Date.now()

/**
 * Times many calls that share one timeout with a single timer, instead of one `setTimeout` and
 * `clearTimeout` per call. Because every call gets the same timeout, deadlines arrive in the order
 * calls start: the queue is a FIFO list, and the one timer only ever waits for the oldest pending
 * call. Calls to one backend mostly settle in order too, so settled calls leave from the front at
 * once and the list holds little more than the calls in flight.
 */
export class DeadlineQueue {
  readonly #timeoutMs: number
  #head: Deadline | undefined
  #tail: Deadline | undefined
  #timer: ReturnType<typeof setTimeout> | undefined
  /** Whether the timer currently keeps the process alive (only while calls are pending). */
  #holding = false
  readonly #onTimer = (): void => {
    this.#timer = undefined
    this.#sweep()
  }

  constructor(timeoutMs: number) {
    this.#timeoutMs = timeoutMs
  }

  /** Starts timing a call; `expire` runs once, at the deadline, unless `settle` came first. */
  add(expire: () => void): Deadline {
    const deadline: Deadline = { at: this.deadlineFromNow(), done: false, expire, next: undefined }
    this.push(deadline)
    return deadline
  }

  /** When a call starting now times out, on the queue's clock. */
  deadlineFromNow(): number {
    return monotonicNow() + this.#timeoutMs
  }

  /**
   * `add` for a caller that is its own deadline (its `at` from {@link deadlineFromNow}, not yet done):
   * its `expire` method runs once, at `at`, unless `settle` came first.
   */
  push(deadline: Deadline): void {
    if (this.#tail === undefined) this.#head = deadline
    else this.#tail.next = deadline
    this.#tail = deadline
    if (this.#timer === undefined) this.#arm(this.#timeoutMs)
    else if (!this.#holding) this.#hold(true)
  }

  /** Marks a call as settled; false when it had already timed out (or settled). */
  settle(deadline: Deadline): boolean {
    if (deadline.done) return false
    deadline.done = true
    if (deadline === this.#head) this.#dropSettled()
    return true
  }

  #dropSettled(): void {
    let head = this.#head
    while (head?.done) head = this.#unlink(head)
    this.#head = head
    if (head === undefined) {
      this.#tail = undefined
      // Nothing pending: a timer left armed must not keep the process alive on its own.
      if (this.#holding) this.#hold(false)
    }
  }

  #sweep(): void {
    const now = monotonicNow()
    let head = this.#head
    while (head !== undefined && (head.done || head.at <= now)) {
      if (!head.done) {
        head.done = true
        head.expire()
      }
      head = this.#unlink(head)
    }
    this.#head = head
    if (head === undefined) {
      this.#tail = undefined
      this.#holding = false
      return
    }
    // Timers may fire a little early against this clock: wait for the remainder, at least 1 ms.
    this.#arm(Math.max(1, Math.ceil(head.at - now)))
  }

  /**
   * The node after `deadline`, which leaves the list. Its link is cut: a dropped node that already sits
   * in V8's old generation would otherwise keep every later node (and the reply each call resolved with)
   * alive through young-generation collections, until a full GC. Cutting it made W6b's loop promote
   * about a third as many bytes.
   */
  #unlink(deadline: Deadline): Deadline | undefined {
    const next = deadline.next
    deadline.next = undefined
    return next
  }

  #arm(delayMs: number): void {
    this.#timer = setTimeout(this.#onTimer, delayMs)
    this.#holding = true
  }

  /** `ref`/`unref` exist on Node and Bun timers; edge runtimes return a number and have neither. */
  #hold(hold: boolean): void {
    this.#holding = hold
    const timer = this.#timer as { ref?: () => void; unref?: () => void } | undefined
    if (hold) timer?.ref?.()
    else timer?.unref?.()
  }
}
