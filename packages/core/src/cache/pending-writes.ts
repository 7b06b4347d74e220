/** A write that could not reach L2: sealed bytes to set, or `undefined` for a delete. */
export interface PendingWrite {
  value: Uint8Array | undefined
  /** Epoch ms after which the entry is useless in L2 (its stale-until); `Infinity` for no expiry. */
  staleUntil: number
  /** When the write was made (epoch ms); an L2 entry created later wins at replay. */
  at: number
  /** Never dropped past capacity (a pending `clear()`: dropping it would bring back every cleared entry). */
  keep?: true
}

/**
 * Writes made while L2 was unreachable, one per key (the newest), replayed once L2 answers again.
 * Bounded: past `capacity` the oldest write (other than a kept one) is dropped and counted. Until a write
 * reaches L2, reads ask {@link PendingWrites.lookup}, as L2 still holds what the write replaces.
 */
export class PendingWrites {
  readonly #writes = new Map<string, PendingWrite>()
  /** Writes taken by the running replay and not yet settled: still pending, for lookups and `size`. */
  readonly #replay = new Map<string, PendingWrite>()
  readonly #capacity: number
  #dropped = 0
  /** Keys written to L2 since the current replay began; their replayed (older) write is skipped. */
  #touched: Set<string> | undefined
  #clearedDuringReplay = false

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
    this.#replay.delete(key)
    this.#writes.set(key, write)
    if (this.#writes.size > this.#capacity) this.#dropOldest()
  }

  /** Drops the oldest write not marked `keep` (at most one is: the pending clear). */
  #dropOldest(): void {
    for (const [key, write] of this.#writes) {
      if (write.keep) continue
      this.#writes.delete(key)
      this.#dropped++
      return
    }
  }

  has(key: string): boolean {
    return this.#writes.has(key)
  }

  /**
   * The write still pending for `key` (queued, or sent by the running replay and not yet answered), if
   * any: until it reaches L2, what L2 holds for the key is older.
   */
  lookup(key: string): PendingWrite | undefined {
    return this.#writes.get(key) ?? this.#replay.get(key)
  }

  /** Called right before a live write to `key` is sent to L2: it supersedes any pending one. */
  superseded(key: string): void {
    this.#writes.delete(key)
    this.#replay.delete(key)
    this.#touched?.add(key)
  }

  /** Called as the namespace is cleared (set by the write path, which logs it as a write to every key). */
  onClear: (() => void) | undefined

  /** Drops every pending write; a running replay then sends nothing more (the namespace was cleared). */
  clear(): void {
    this.onClear?.()
    this.#writes.clear()
    this.#replay.clear()
    this.#clearedDuringReplay = this.#touched !== undefined
  }

  /** Removes and returns every pending write, oldest first, and starts tracking superseding writes. */
  beginReplay(): [string, PendingWrite][] {
    const all = [...this.#writes]
    for (const [key, write] of all) this.#replay.set(key, write)
    this.#writes.clear()
    this.#touched = new Set()
    return all
  }

  /** True when a live write to `key` was sent after the replay began. */
  touchedSinceReplay(key: string): boolean {
    return this.#clearedDuringReplay || (this.#touched?.has(key) ?? false)
  }

  /** These writes of the running replay reached L2 (or were put back with `set`). */
  settled(keys: readonly string[]): void {
    for (const key of keys) this.#replay.delete(key)
  }

  endReplay(): void {
    this.#touched = undefined
    this.#clearedDuringReplay = false
    this.#replay.clear()
  }

  get replaying(): boolean {
    return this.#touched !== undefined
  }

  /** Writes not yet in L2, including those a running replay is sending. */
  get size(): number {
    return this.#writes.size + this.#replay.size
  }

  get dropped(): number {
    return this.#dropped
  }
}
