import type { GuardedStore } from '../resilience/guarded-store'
import type { CacheParts } from './cache-parts'
import { replayPending } from './replay-pending'

/** How often pending writes are retried while the circuit is closed. */
const REPLAY_RETRY_MS = 1_000

/** Every L2 call of a cache goes through here: timeout, breaker, error reporting, pending-write replay. */
export class L2Gateway {
  readonly #parts: CacheParts
  #replayTimer: ReturnType<typeof setTimeout> | undefined

  constructor(parts: CacheParts) {
    this.#parts = parts
  }

  /**
   * Runs an L2 call through timeout and breaker; failures are reported and yield `undefined`. `arg`
   * lets a hot caller pass a shared `run` and its argument instead of a new closure.
   */
  call<T, A = undefined>(
    operation: string,
    run: (s: GuardedStore['store'], arg: A) => Promise<T>,
    key?: string,
    arg?: A,
  ): Promise<T | undefined> {
    if (!this.#parts.l2) return Promise.resolve(undefined)
    return this.#parts.l2.call(operation, run, arg).then(
      (result) => {
        this.answered()
        return result
      },
      (error: unknown) => {
        this.#parts.emitError(error, 'l2', operation, key)
        return undefined
      },
    )
  }

  /** L2 answered a call: writes that failed without opening the circuit are replayed now. */
  answered(): void {
    if (this.#parts.pending.size > 0 && !this.#parts.pending.replaying && !this.#parts.isClosed())
      void this.replayPending()
  }

  /**
   * Retries pending writes every second while any remain: failures too few to open the circuit leave
   * no probe behind, and with L1 answering every read nothing else would reach L2 to replay them.
   */
  scheduleReplay(): void {
    if (this.#replayTimer !== undefined || this.#parts.isClosed()) return
    this.#replayTimer = setTimeout(async () => {
      this.#replayTimer = undefined
      if (this.#parts.isClosed() || this.#parts.pending.size === 0) return
      if (this.#parts.l2?.breaker.state === 'closed') await this.replayPending()
      if (this.#parts.pending.size > 0) this.scheduleReplay()
    }, REPLAY_RETRY_MS)
    // Never keep a process alive for this (Node, Bun); edge runtimes return a number here.
    ;(this.#replayTimer as { unref?: () => void }).unref?.()
  }

  /** Writes the pending writes to L2 now (newest wins); see `replayPending`. */
  replayPending(): Promise<void> {
    return replayPending({
      pending: this.#parts.pending,
      codec: this.#parts.codec,
      now: this.#parts.now,
      call: (operation, run) => this.call(operation, run),
    })
  }

  /** Cancels the retry timer (on close). */
  stop(): void {
    clearTimeout(this.#replayTimer)
  }
}
