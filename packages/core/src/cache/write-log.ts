/**
 * The write clock: one counter for every cache of the process, so code that holds no cache (a batch
 * load) can note when it started. Only compared, never read as time.
 */
let clock = 0

/** The current write epoch: every write logged from now on gets a higher one. */
export function writeEpoch(): number {
  return clock
}

/** Keys (and tags) a generation of the log holds; two generations are kept (see `Epochs`). */
const GENERATION = 4096

/**
 * When each recently written key (or invalidated tag) of one cache last changed, so an L2 read or a load
 * that started before can tell its result is older than the write, and not store it. Bounded: what it
 * forgets counts as written at the latest epoch forgotten, which only makes it more cautious.
 */
export class WriteLog {
  readonly #keys = new Epochs()
  readonly #tags = new Epochs()

  /** Logs a write to `key` (without the namespace); returns its epoch. */
  touch(key: string): number {
    const at = ++clock
    this.#keys.set(key, at)
    return at
  }

  /** Logs that entries carrying any of `tags` changed. */
  touchTags(tags: readonly string[]): void {
    for (const tag of tags) this.#tags.set(tag, ++clock)
  }

  /** Logs a write to every key (a clear, or invalidations that may have been lost). */
  touchAll(): void {
    const at = ++clock
    this.#keys.forgetAll(at)
    this.#tags.forgetAll(at)
  }

  /** True when `key`, or an entry carrying one of `tags`, was written after epoch `since`. */
  writtenSince(key: string, since: number, tags: readonly string[]): boolean {
    if (this.#keys.after(key, since)) return true
    if (tags.length === 0 || this.#tags.empty(since)) return false
    for (const tag of tags) if (this.#tags.after(tag, since)) return true
    return false
  }
}

/**
 * The latest epoch per name, in two generations: once the recent one is full it becomes the older one and
 * the older one is forgotten. A write costs one `Map.set` (no delete, no scan for the oldest entry: with
 * holes left by deletes, finding it took microseconds).
 */
class Epochs {
  #recent = new Map<string, number>()
  #older = new Map<string, number>()
  #recentMax = 0
  #olderMax = 0
  /** Anything forgotten was written at or before this epoch. */
  #floor = 0

  set(name: string, at: number): void {
    if (this.#recent.size >= GENERATION) {
      this.#floor = this.#olderMax
      this.#older = this.#recent
      this.#olderMax = this.#recentMax
      this.#recent = new Map()
    }
    this.#recent.set(name, at)
    this.#recentMax = at
  }

  /** True when `name` was set after `since`, or may have been (forgotten since). */
  after(name: string, since: number): boolean {
    if (this.#floor > since) return true
    const at = this.#recent.get(name) ?? this.#older.get(name)
    return at !== undefined && at > since
  }

  /** True when nothing was set after `since`. */
  empty(since: number): boolean {
    return this.#floor <= since && this.#recentMax <= since
  }

  forgetAll(at: number): void {
    this.#floor = at
    this.#recent = new Map()
    this.#older = new Map()
    this.#recentMax = at
    this.#olderMax = at
  }
}
