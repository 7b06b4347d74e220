import { costUsd, type PriceTable, type TokenUsage } from './usage'

/** How a request was answered: from the cache, by sharing another caller's upstream call, or upstream. */
export type AiOutcome = 'hit' | 'coalesced' | 'miss'

/** Counters of one operation (or of all of them). */
export interface AiOperationStats {
  /** Answers served from the cache. */
  hits: number
  /** Answers shared with a concurrent identical request's upstream call. */
  coalesced: number
  /** Requests that needed an upstream call. */
  misses: number
  /** (hits + coalesced) / all requests; 0 before any. */
  hitRatio: number
  /** Tokens the hits and coalesced requests did not spend, from the answers' `usage`. */
  tokensSaved: { input: number; output: number; total: number }
  /** What those tokens would have cost, from the user's price table. */
  costSavedUsd: number
}

/** `aiCache.stats()`: totals, per-operation counters and what the policy and streams did. */
export interface AiCacheStats extends AiOperationStats {
  operations: Record<string, AiOperationStats>
  /** Answers written to the cache. */
  stored: number
  /** Answers the `cacheable` policy refused. */
  skippedByPolicy: number
  /** Answers that could not be written (e.g. above maxEntryBytes); the caller still got them. */
  storeFailures: number
  /** Streams whose every consumer left before the end; never stored. */
  streamsAborted: number
  /** Streams whose upstream failed; never stored. */
  streamsFailed: number
}

class Counters {
  hits = 0
  coalesced = 0
  misses = 0
  input = 0
  output = 0
  costUsd = 0

  snapshot(): AiOperationStats {
    const requests = this.hits + this.coalesced + this.misses
    return {
      hits: this.hits,
      coalesced: this.coalesced,
      misses: this.misses,
      hitRatio: requests === 0 ? 0 : (this.hits + this.coalesced) / requests,
      tokensSaved: { input: this.input, output: this.output, total: this.input + this.output },
      costSavedUsd: this.costUsd,
    }
  }
}

/** Mutable counters behind {@link AiCacheStats}. */
export class AiStatsRecorder {
  readonly #total = new Counters()
  readonly #byOperation = new Map<string, Counters>()
  readonly #prices: PriceTable | undefined
  stored = 0
  skippedByPolicy = 0
  storeFailures = 0
  streamsAborted = 0
  streamsFailed = 0

  constructor(prices?: PriceTable) {
    this.#prices = prices
  }

  /** Counts one request; returns the dollars saved (0 for a miss). */
  record(operation: string, outcome: AiOutcome, usage?: TokenUsage, model?: string): number {
    let op = this.#byOperation.get(operation)
    if (!op) this.#byOperation.set(operation, (op = new Counters()))
    const saved = outcome === 'miss' ? 0 : costUsd(usage, model, this.#prices)
    for (const c of [this.#total, op]) {
      c[outcome === 'hit' ? 'hits' : outcome === 'coalesced' ? 'coalesced' : 'misses']++
      if (outcome !== 'miss' && usage) {
        c.input += usage.inputTokens
        c.output += usage.outputTokens
        c.costUsd += saved
      }
    }
    return saved
  }

  /** Counts `count` requests of one outcome without usage (embedding lookups). */
  recordMany(operation: string, outcome: AiOutcome, count: number): void {
    for (let i = 0; i < count; i++) this.record(operation, outcome)
  }

  snapshot(): AiCacheStats {
    return {
      ...this.#total.snapshot(),
      operations: Object.fromEntries([...this.#byOperation].map(([op, c]) => [op, c.snapshot()])),
      stored: this.stored,
      skippedByPolicy: this.skippedByPolicy,
      storeFailures: this.storeFailures,
      streamsAborted: this.streamsAborted,
      streamsFailed: this.streamsFailed,
    }
  }
}
