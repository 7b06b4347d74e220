import type { RedisClient } from './connection'

interface Corkable {
  cork(): void
  uncork(): void
  writable: boolean
}

/**
 * Coalesces the commands sent within one tick into one socket write. ioredis writes every command
 * with its own `write()` (one syscall each); with many concurrent callers that syscall is most of a
 * command's client CPU. Corking the socket before the first command of a tick and uncorking it on
 * `process.nextTick` (after the current microtasks, where callers issue their commands) turns them
 * into one `writev`. Order, replies and per-command promises are unchanged, and unlike ioredis's
 * auto-pipelining no command waits for a later event-loop turn.
 */
export class WriteCoalescer {
  readonly #client: RedisClient
  readonly #enabled: boolean
  #corked: Corkable | undefined
  readonly #uncork = (): void => {
    const stream = this.#corked
    this.#corked = undefined
    stream?.uncork()
  }

  constructor(client: RedisClient) {
    this.#client = client
    // A Cluster writes to one socket per node, chosen per command; those are left alone.
    this.#enabled = client.isCluster !== true
  }

  /** Call right before sending a command; the socket is uncorked once this tick's work is done. */
  hold(): void {
    if (this.#corked !== undefined || !this.#enabled) return
    // The client replaces its stream on every reconnect: cork the one in use now, uncork that same one.
    const stream = (this.#client as { stream?: Partial<Corkable> }).stream
    if (typeof stream?.cork !== 'function' || stream.writable !== true) return
    stream.cork()
    this.#corked = stream as Corkable
    process.nextTick(this.#uncork)
  }
}
