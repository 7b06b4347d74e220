/** A write that could not reach L2: sealed bytes to set, or `undefined` for a delete. */
export interface PendingWrite {
  value: Uint8Array | undefined
  /** Epoch ms after which the entry is useless in L2 (its stale-until); `Infinity` for no expiry. */
  staleUntil: number
  /** When the write was made (epoch ms); an L2 entry created later wins at replay. */
  at: number
}

/**
 * Writes made while L2 was unreachable, one per key (the newest), replayed once L2 answers again.
 * Bounded: past `capacity` the oldest write is dropped and counted.
 */
export class PendingWrites {
  readonly #writes = new Map<string, PendingWrite>()
  readonly #capacity: number
  #dropped = 0
  /** Keys written to L2 since the current replay began; their replayed (older) write is skipped. */
  #touched: Set<string> | undefined
  #clearedDuringReplay = false
  /** Writes taken by the running replay and not yet settled; still counted as pending. */
  #inFlight = 0

  constructor(capacity: number) {
    this.#capacity = capacity
  }

  /** Keeps `write` unless a newer one is already pending for `key`. */
  set(key: string, write: PendingWrite): void {
    if (this.#capacity === 0) {
      this.#dropped++
      return
    }
    const current = this.#writes.get(key)
    if (current && current.at > write.at) return
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

  /** Called right before a live write to `key` is sent to L2: it supersedes any pending one. */
  superseded(key: string): void {
    this.#writes.delete(key)
    this.#touched?.add(key)
  }

  /** Called as the namespace is cleared (set by the write path, which logs it as a write to every key). */
  onClear: (() => void) | undefined

  /** Drops every pending write; a running replay then sends nothing more (the namespace was cleared). */
  clear(): void {
    this.onClear?.()
    this.#writes.clear()
    this.#clearedDuringReplay = this.#touched !== undefined
  }

  /** Removes and returns every pending write, oldest first, and starts tracking superseding writes. */
  beginReplay(): [string, PendingWrite][] {
    const all = [...this.#writes]
    this.#writes.clear()
    this.#touched = new Set()
    this.#inFlight = all.length
    return all
  }

  /** True when a live write to `key` was sent after the replay began. */
  touchedSinceReplay(key: string): boolean {
    return this.#clearedDuringReplay || (this.#touched?.has(key) ?? false)
  }

  /** `count` writes of the running replay were sent (or put back). */
  settled(count: number): void {
    this.#inFlight = Math.max(0, this.#inFlight - count)
  }

  endReplay(): void {
    this.#touched = undefined
    this.#clearedDuringReplay = false
    this.#inFlight = 0
  }

  get replaying(): boolean {
    return this.#touched !== undefined
  }

  /** Writes not yet in L2, including those a running replay is sending. */
  get size(): number {
    return this.#writes.size + this.#inFlight
  }

  get dropped(): number {
    return this.#dropped
  }
}
