/**
 * A flight's value that is neither frozen nor a primitive, so callers must not share it: whoever settles
 * the flight keeps `value`, and every joiner gets `copy()` (a decode of the same bytes).
 */
export class Unshared<T> {
  constructor(
    readonly value: T,
    readonly copy: () => T,
  ) {}
}

/**
 * A flight opened with {@link SingleFlight.claim} and settled by its owner: a batch settles many keys
 * from one piece of work. Joiners get promises only once they join, so a key nobody else asks for costs
 * no promise.
 */
export class FlightClaim<T> {
  settled = false
  failed = false
  value: T | undefined
  error: unknown
  /** Set when `value` must not be shared: makes each further caller its own copy. */
  #copy: (() => T) | undefined
  /** Resolve and reject of each joiner, in pairs: each gets its own promise, so it can get its own copy. */
  #joiners: ((arg: never) => void)[] | undefined
  // The flight map and key rather than a release closure: a batch opens one claim per key it loads.
  readonly #flights: SingleFlight<T>
  readonly #key: string

  constructor(flights: SingleFlight<T>, key: string) {
    this.#flights = flights
    this.#key = key
  }

  /** A promise of the flight's value for one more caller (its own copy when the value is not shared). */
  join(): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      ;(this.#joiners ??= []).push(resolve, reject)
    })
  }

  resolve(result: T | Unshared<T>): void {
    if (this.settled) return
    this.settled = true
    const value = result instanceof Unshared ? result.value : result
    if (result instanceof Unshared) this.#copy = result.copy
    this.value = value
    this.#flights.release(this.#key, this)
    const joiners = this.#joiners
    if (joiners === undefined) return
    for (let i = 0; i < joiners.length; i += 2) {
      try {
        ;(joiners[i] as (value: T) => void)(this.#copy ? this.#copy() : value)
      } catch (error) {
        // A copy that cannot be made fails that joiner alone; none is left waiting.
        ;(joiners[i + 1] as (error: unknown) => void)(error)
      }
    }
  }

  reject(error: unknown): void {
    if (this.settled) return
    this.settled = true
    this.failed = true
    this.error = error
    this.#flights.release(this.#key, this)
    const joiners = this.#joiners
    if (joiners === undefined) return
    for (let i = 1; i < joiners.length; i += 2) (joiners[i] as (error: unknown) => void)(error)
  }
}

/** Shares one in-flight promise per key, so concurrent callers of a cold key run the work once. */
export class SingleFlight<T> {
  // A null-prototype dictionary rather than a Map: every L1 miss adds and removes one key, and a Map
  // churned that way (a few dozen live keys, each new) cost about 2 µs and 1 KB of garbage per flight
  // in the W3 loop, a dictionary object a tenth of that. Re-measured after W6 (whose fresh keys a
  // dictionary must internalize): a Map lost W3 in 5 of 6 A/B bench runs and did not win W6.
  #inFlight: Record<string, FlightClaim<T> | undefined> = Object.create(null)
  #size = 0

  /** Runs `work` once for concurrent callers of `key`; a value it wraps in {@link Unshared} is copied per joiner. */
  run(key: string, work: () => Promise<T | Unshared<T>>): Promise<T> {
    const existing = this.join(key)
    if (existing) return existing
    // `work` starts now, not a microtask later: its first L2 read (or the loader's timer) runs while the
    // rest of a stampede is still calling. Claimed first, so a caller that `work` reaches synchronously
    // joins it, and a synchronous throw still settles it. The claim makes a promise only for joiners.
    return this.#fly(this.claim(key), work)
  }

  // One async frame instead of a promise adopting `work()` plus `.finally` (four promises and two closures
  // per flight). An async function runs synchronously up to its first await, so `work` starts here.
  async #fly(claim: FlightClaim<T>, work: () => Promise<T | Unshared<T>>): Promise<T> {
    try {
      const result = await work()
      claim.resolve(result)
      return result instanceof Unshared ? result.value : result
    } catch (error) {
      claim.reject(error)
      throw error
    }
  }

  /** The promise of the flight in progress for `key`, if any. */
  join(key: string): Promise<T> | undefined {
    return this.#inFlight[key]?.join()
  }

  /** Opens a flight for `key` (which must have none) that the caller settles; `run` and `join` share it. */
  claim(key: string): FlightClaim<T> {
    const claim = new FlightClaim(this, key)
    this.#add(key, claim)
    return claim
  }

  /** Called by a claim as it settles: ends its flight, unless a newer one holds the key by now. */
  release(key: string, claim: FlightClaim<T>): void {
    if (this.#inFlight[key] === claim) this.#remove(key)
  }

  get size(): number {
    return this.#size
  }

  #add(key: string, flight: FlightClaim<T>): void {
    if (this.#inFlight[key] === undefined) this.#size++
    this.#inFlight[key] = flight
  }

  #remove(key: string): void {
    if (this.#inFlight[key] === undefined) return
    delete this.#inFlight[key]
    this.#size--
  }
}
