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

  get size(): number {
    return this.#inFlight.size
  }
}
