/** Settles a flight opened with {@link SingleFlight.claim}. */
export interface FlightClaim<T> {
  resolve(value: T): void
  reject(error: unknown): void
}

/** Shares one in-flight promise per key, so concurrent callers of a cold key run the work once. */
export class SingleFlight<T> {
  readonly #inFlight = new Map<string, Promise<T>>()

  run(key: string, work: () => Promise<T>): Promise<T> {
    const existing = this.#inFlight.get(key)
    if (existing) return existing
    // Registered before `work` starts, so even a synchronous throw cannot leave a stale entry behind.
    const promise = Promise.resolve()
      .then(work)
      .finally(() => this.#inFlight.delete(key))
    this.#inFlight.set(key, promise)
    return promise
  }

  /** The promise of the flight in progress for `key`, if any. */
  join(key: string): Promise<T> | undefined {
    return this.#inFlight.get(key)
  }

  /**
   * Opens a flight for `key` (which must have none) that the caller settles later: a batch settles
   * many keys from one piece of work. `run` and `join` share it until it settles.
   */
  claim(key: string): { promise: Promise<T>; settle: FlightClaim<T> } {
    let settle!: FlightClaim<T>
    const promise = new Promise<T>((resolve, reject) => {
      settle = { resolve, reject }
    })
    const done = () => {
      if (this.#inFlight.get(key) === promise) this.#inFlight.delete(key)
    }
    // Handled here so a rejection nobody joined is not reported as unhandled; joiners still see it.
    promise.then(done, done)
    this.#inFlight.set(key, promise)
    return { promise, settle }
  }

  get size(): number {
    return this.#inFlight.size
  }
}
