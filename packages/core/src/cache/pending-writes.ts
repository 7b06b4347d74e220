/** A write that could not reach L2: bytes to set, or `undefined` for a delete. */
export interface PendingWrite {
  value: Uint8Array | undefined
  ttlMs?: number | undefined
  /** When the write was made (epoch ms); an L2 entry created later wins at replay. */
  at: number
}

/**
 * Writes made while L2 was unreachable, one per key (the newest), replayed when the circuit closes.
 * Bounded: past `capacity` the oldest write is dropped and counted.
 */
export class PendingWrites {
  readonly #writes = new Map<string, PendingWrite>()
  readonly #capacity: number
  #dropped = 0

  constructor(capacity: number) {
    this.#capacity = capacity
  }

  set(key: string, write: PendingWrite): void {
    if (this.#capacity === 0) {
      this.#dropped++
      return
    }
    this.#writes.delete(key)
    this.#writes.set(key, write)
    if (this.#writes.size > this.#capacity) {
      const oldest = this.#writes.keys().next().value as string
      this.#writes.delete(oldest)
      this.#dropped++
    }
  }

  has(key: string): boolean {
    return this.#writes.has(key)
  }

  delete(key: string): void {
    this.#writes.delete(key)
  }

  clear(): void {
    this.#writes.clear()
  }

  /** Removes and returns every pending write, oldest first. */
  drain(): [string, PendingWrite][] {
    const all = [...this.#writes]
    this.#writes.clear()
    return all
  }

  get size(): number {
    return this.#writes.size
  }

  get dropped(): number {
    return this.#dropped
  }
}
