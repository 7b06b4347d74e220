import { CacheError } from '../errors'
import type { AiOutcome } from './ai-stats'
import type { TokenUsage } from './usage'

/** A streamed answer from `wrapStream`: iterate it once; `outcome` is known after the first chunk. */
export class AiStream<C> implements AsyncIterable<C> {
  /** The request's cache key. */
  readonly key: string
  /** `pending` until iteration starts and the cache has been consulted. */
  outcome: AiOutcome | 'pending' = 'pending'
  /** Token usage of the answer, once known (at once on a hit, at the end otherwise). */
  usage: TokenUsage | undefined
  readonly #run: (stream: AiStream<C>) => AsyncGenerator<C>
  #iterated = false

  constructor(key: string, run: (stream: AiStream<C>) => AsyncGenerator<C>) {
    this.key = key
    this.#run = run
  }

  [Symbol.asyncIterator](): AsyncIterator<C> {
    if (this.#iterated) throw new CacheError('An AiStream can only be iterated once', 'VALIDATION')
    this.#iterated = true
    return this.#run(this)
  }
}
