/**
 * A flight opened with {@link SingleFlight.claim} and settled by its owner: a batch settles many keys
 * from one piece of work. Its promise exists only once another caller joins, so a key nobody else asks
 * for costs no promise.
 */
export class FlightClaim<T> {
  settled = false
  failed = false
  value: T | undefined
  error: unknown
  #promise: Promise<T> | undefined
  #resolve: ((value: T) => void) | undefined
  #reject: ((error: unknown) => void) | undefined
  readonly #release: () => void

  constructor(release: () => void) {
    this.#release = release
  }

  /** The promise joiners wait on. */
  join(): Promise<T> {
    this.#promise ??= new Promise<T>((resolve, reject) => {
      this.#resolve = resolve
      this.#reject = reject
    })
    return this.#promise
  }

  resolve(value: T): void {
    if (this.settled) return
    this.settled = true
    this.value = value
    this.#release()
    this.#resolve?.(value)
  }

  reject(error: unknown): void {
    if (this.settled) return
    this.settled = true
    this.failed = true
    this.error = error
    this.#release()
    this.#reject?.(error)
  }
}

/** Shares one in-flight promise per key, so concurrent callers of a cold key run the work once. */
export class SingleFlight<T> {
  readonly #inFlight = new Map<string, Promise<T> | FlightClaim<T>>()

  run(key: string, work: () => Promise<T>): Promise<T> {
    const existing = this.join(key)
    if (existing) return existing
    // `work` starts now, not a microtask later: its first L2 read (or the loader's timer) runs while the
    // rest of a stampede is still calling. Registered first, so a caller that `work` reaches synchronously
    // joins it, and a synchronous throw still settles it.
    let start!: (result: Promise<T>) => void
    const promise = new Promise<T>((resolve) => {
      start = resolve
    }).finally(() => this.#inFlight.delete(key))
    this.#inFlight.set(key, promise)
    try {
      start(work())
    } catch (error) {
      start(Promise.reject(error))
    }
    return promise
  }

  /** The promise of the flight in progress for `key`, if any. */
  join(key: string): Promise<T> | undefined {
    const existing = this.#inFlight.get(key)
    return existing instanceof FlightClaim ? existing.join() : existing
  }

  /** Opens a flight for `key` (which must have none) that the caller settles; `run` and `join` share it. */
  claim(key: string): FlightClaim<T> {
    const claim: FlightClaim<T> = new FlightClaim(() => {
      if (this.#inFlight.get(key) === claim) this.#inFlight.delete(key)
    })
    this.#inFlight.set(key, claim)
    return claim
  }

  get size(): number {
    return this.#inFlight.size
  }
}
