import type { SetOptions } from '../cache/options'
import { SingleFlight, Unshared } from '../cache/single-flight'
import { storeAndRead, type TieredCache } from '../cache/tiered-cache'
import { deepFreeze } from '../codec/freeze'
import { describeInput, ValidationError } from '../errors'
import { type AiCacheOptions, type ResolvedAiCacheOptions, resolveAiCacheOptions } from './ai-cache-options'
import { type AiCacheStats, type AiOutcome, AiStatsRecorder } from './ai-stats'
import { AiStream } from './ai-stream'
import { AI_CACHE_DEFAULTS } from './defaults'
import { type EmbedMissing, type EmbedOptions, getOrEmbedMany } from './embeddings'
import { CacheKeyGenerator } from './key-generator'
import type { AiRequest } from './request-shapes'
import { SharedStream, type StreamSource } from './shared-stream'
import { extractStreamUsage, extractUsage, type TokenUsage } from './usage'

/** What the cache holds for one request: a whole response, or the chunks of a streamed one. */
export type StoredAnswer =
  | { kind: 'response'; response: unknown; usage?: TokenUsage }
  | { kind: 'stream'; chunks: unknown[]; usage?: TokenUsage }

/** A response together with how it was obtained. */
export interface AiResult<R> {
  response: R
  outcome: AiOutcome
  key: string
  usage: TokenUsage | undefined
  /** Dollars not spent thanks to the cache (0 on a miss or without a price). */
  costSavedUsd: number
}

/** `cacheResponse` input: a request plus the answer to store. */
export type CacheResponseInput<Q extends AiRequest = AiRequest> = Q & { response: unknown }

interface Described {
  key: string
  operation: string
  model: string | undefined
}

function globToRegExp(pattern: string): RegExp {
  const body = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.')
  return new RegExp(`^${body}$`)
}

/**
 * Caches LLM answers over a `TieredCache`: canonical keys, per-operation TTLs, single-flight
 * generation, streaming record and replay, batched embeddings, and savings statistics.
 */
export class AiCache {
  /** The key generator (use `keys.explain(request)` to debug a miss). */
  readonly keys: CacheKeyGenerator
  readonly #options: ResolvedAiCacheOptions
  readonly #cache: TieredCache
  readonly #stats: AiStatsRecorder
  /** Per key, the answer of the generation in flight; `own` when each caller already got a private copy. */
  readonly #flights = new SingleFlight<{ answer: StoredAnswer; own: boolean }>()
  readonly #streams = new Map<string, SharedStream<unknown>>()

  constructor(options: AiCacheOptions) {
    this.#options = resolveAiCacheOptions(options)
    this.#cache = this.#options.cache
    this.#stats = new AiStatsRecorder(this.#options.prices)
    this.keys = new CacheKeyGenerator({
      version: options.keyVersion,
      textHashThreshold: options.textHashThreshold,
      optionSchemas: options.optionSchemas,
    })
  }

  /** TTL in milliseconds of an operation's answers. */
  ttlMsFor(operation: string): number {
    return this.#options.operationTtlMs.get(operation) ?? this.#options.defaultTtlMs
  }

  /** Stores `response` for the request (unless the `cacheable` policy refuses); true when stored. */
  async cacheResponse<Q extends AiRequest>(input: CacheResponseInput<Q>): Promise<boolean> {
    const { response, ...rest } = input
    const request = rest as unknown as AiRequest
    const { key, operation } = this.#describe(request)
    const answer: StoredAnswer = { kind: 'response', response, usage: extractUsage(response) }
    return (await this.#store(key, request, answer, operation, this.#set)) === true
  }

  /** The cached response of the request, or `undefined`; counted as a hit or a miss. */
  async getCachedResponse<R = unknown, Q extends AiRequest = AiRequest>(request: Q): Promise<R | undefined> {
    const { key, operation, model } = this.#describe(request)
    const answer = await this.#read(key, 'response')
    this.#stats.record(operation, answer ? 'hit' : 'miss', answer?.usage, model)
    return answer?.kind === 'response' ? (answer.response as R) : undefined
  }

  /**
   * The cached response, or `generate()`'s, stored and returned as stored (what later hits return);
   * concurrent identical requests call `generate` once.
   */
  async getOrGenerate<R, Q extends AiRequest = AiRequest>(
    request: Q,
    generate: () => R | Promise<R>,
  ): Promise<R> {
    return (await this.getOrGenerateResult(request, generate)).response
  }

  /** Like `getOrGenerate`, and also says whether it was a hit, a shared call or a miss, and what it saved. */
  async getOrGenerateResult<R, Q extends AiRequest = AiRequest>(
    request: Q,
    generate: () => R | Promise<R>,
  ): Promise<AiResult<R>> {
    if (typeof generate !== 'function') {
      throw new ValidationError(`getOrGenerate expects a function, got ${describeInput(generate)}`)
    }
    const described = this.#describe(request)
    const cached = await this.#read(described.key, 'response')
    if (cached) return this.#result(described, 'hit', cached)
    let leader: AiOutcome | undefined
    const flight = await this.#flights.run(described.key, async () => {
      // Another flight may have stored the answer while our first read was in progress.
      const stored = await this.#read(described.key, 'response')
      if (stored) {
        leader = 'hit'
        return { answer: stored, own: false }
      }
      leader = 'miss'
      this.#stats.record(described.operation, 'miss')
      const response = await generate()
      const fresh: StoredAnswer = { kind: 'response', response, usage: extractUsage(response) }
      // Callers get the stored form, as every later hit will (under JSON a Date is a string in both),
      // never the generator's object: the decode of what was stored, each caller its own unless frozen.
      const kept = await this.#store(described.key, request, fresh, described.operation, this.#setAndRead)
      if (kept instanceof Unshared)
        return new Unshared({ answer: kept.value, own: true }, () => ({ answer: kept.copy(), own: true }))
      // Not stored (policy, size): no hit will ever differ from the generator's answer.
      return { answer: kept ?? fresh, own: false }
    })
    const { answer, own } = flight
    // A shared answer is frozen before any caller sees it, or, when freezing cannot protect it (a Date or
    // Map under msgpack), each caller reads its own copy, as a hit does.
    if (!own && !deepFreeze(answer)) {
      const copy = await this.#read(described.key, 'response')
      if (copy) return this.#result(described, leader ?? 'coalesced', copy)
    }
    return this.#result(described, leader ?? 'coalesced', answer)
  }

  /**
   * Streams the answer: replays the cached chunks on a hit; on a miss passes `generate`'s chunks through
   * as they arrive and stores them once the stream completes (never when it fails or every reader
   * leaves early). Concurrent identical requests share one upstream stream, each from the first chunk.
   * Live chunks are the upstream's own objects (deep-frozen): waiting for a serializer round trip per
   * chunk would defeat streaming. A replay yields them as stored, equal for JSON-shaped chunks.
   */
  wrapStream<C, Q extends AiRequest = AiRequest>(request: Q, generate: StreamSource<C>): AiStream<C> {
    if (typeof generate !== 'function') {
      throw new ValidationError(`wrapStream expects a function, got ${describeInput(generate)}`)
    }
    // A streamed answer is stored as chunks, so it must never share a key with a whole response.
    const described = this.#describe({ ...request, stream: true } as AiRequest)
    return new AiStream<C>(described.key, (stream) =>
      this.#streamChunks(stream, request, described, generate),
    )
  }

  /**
   * Embeddings of `texts` in input order: one `getMany` lookup, then `embedMissing` called once with
   * only the texts not cached (deduplicated). Vectors are stored as base64 float32.
   */
  getOrEmbedMany(texts: readonly string[], options: EmbedOptions, embedMissing: EmbedMissing) {
    return getOrEmbedMany(
      { cache: this.#cache, keys: this.keys, stats: this.#stats, ttlMs: this.ttlMsFor('embed') },
      texts,
      options,
      embedMissing,
    )
  }

  /** Deletes every answer of one operation (this key version); resolves to how many were removed. */
  invalidateOperation(operation: string): Promise<number> {
    return this.#cache.deleteByPrefix(this.keys.operationPrefix(operation))
  }

  /** Deletes every AI answer of this cache's namespace, of every key version; nothing else. */
  invalidateAll(): Promise<number> {
    return this.#cache.deleteByPrefix(`${AI_CACHE_DEFAULTS.keyPrefix}:`)
  }

  /**
   * AI keys matching a glob (`*`, `?`), found with a cursor scan. A pattern not starting with `ai:`
   * is relative to the current version, e.g. `summarize:*`.
   */
  async getActiveKeys(pattern = '*', limit = 10_000): Promise<string[]> {
    if (typeof pattern !== 'string') throw new ValidationError('getActiveKeys expects a string pattern')
    const full = pattern.startsWith(`${AI_CACHE_DEFAULTS.keyPrefix}:`) ? pattern : this.keys.prefix + pattern
    const matcher = globToRegExp(full)
    const found: string[] = []
    for await (const key of this.#cache.keys(full.split(/[*?]/)[0])) {
      if (!matcher.test(key)) continue
      found.push(key)
      if (found.length >= limit) break
    }
    return found
  }

  /** Hits, shared calls and misses (in total and per operation), tokens and dollars saved. */
  stats(): AiCacheStats {
    return this.#stats.snapshot()
  }

  // ---- internals -------------------------------------------------------------------------------

  /** A plain write for `#store`: resolves to true once stored. */
  readonly #set = (key: string, answer: StoredAnswer, options: SetOptions): Promise<true> =>
    this.#cache.set(key, answer, options).then(() => true as const)

  /**
   * The write for `#store` of a generated answer: resolves to the answer as later hits return it (the
   * decode of what was stored, wrapped in `Unshared` when each caller needs its own copy). One write, no
   * read back.
   */
  readonly #setAndRead = (
    key: string,
    answer: StoredAnswer,
    options: SetOptions,
  ): Promise<StoredAnswer | Unshared<StoredAnswer>> =>
    this.#cache[storeAndRead](key, answer, options) as Promise<StoredAnswer | Unshared<StoredAnswer>>

  #describe(request: AiRequest): Described {
    const explained = this.keys.explain(request)
    return { key: explained.key, operation: explained.operation, model: explained.model }
  }

  async #read(key: string, kind: StoredAnswer['kind']): Promise<StoredAnswer | undefined> {
    const value = await this.#cache.get<StoredAnswer>(key)
    // An entry of another shape (or from a foreign writer) is a miss, never a wrong answer.
    return value?.kind === kind ? value : undefined
  }

  /**
   * Stores `answer` unless the `cacheable` policy refuses; resolves to what `write` resolved to, or
   * `undefined` when nothing was stored.
   */
  async #store<T>(
    key: string,
    request: AiRequest,
    answer: StoredAnswer,
    operation: string,
    write: (key: string, answer: StoredAnswer, options: SetOptions) => Promise<T>,
  ): Promise<T | undefined> {
    const response = answer.kind === 'stream' ? answer.chunks : answer.response
    if (!this.#options.cacheable(request, response, answer.kind)) {
      this.#stats.skippedByPolicy++
      return undefined
    }
    let stored: T
    try {
      stored = await write(key, answer, { ttl: this.ttlMsFor(operation) })
    } catch (error) {
      // The caller still gets its answer; an unstorable one (e.g. above maxEntryBytes) is only counted.
      if (!(error instanceof ValidationError)) throw error
      this.#stats.storeFailures++
      return undefined
    }
    this.#stats.stored++
    return stored
  }

  #result<R>(described: Described, outcome: AiOutcome, answer: StoredAnswer): AiResult<R> {
    const response = (answer as { response: R }).response
    const model = described.model ?? (response as { model?: string } | undefined)?.model
    const costSavedUsd =
      outcome === 'miss' ? 0 : this.#stats.record(described.operation, outcome, answer.usage, model)
    return { response, outcome, key: described.key, usage: answer.usage, costSavedUsd }
  }

  async *#streamChunks<C>(
    stream: AiStream<C>,
    request: AiRequest,
    described: Described,
    generate: StreamSource<C>,
  ): AsyncGenerator<C> {
    const { key, operation, model } = described
    const cached = await this.#read(key, 'stream')
    if (cached?.kind === 'stream') {
      stream.outcome = 'hit'
      stream.usage = cached.usage
      this.#stats.record(operation, 'hit', cached.usage, model)
      yield* cached.chunks as C[]
      return
    }
    let shared = this.#streams.get(key) as SharedStream<C> | undefined
    if (shared) stream.outcome = 'coalesced'
    else {
      stream.outcome = 'miss'
      this.#stats.record(operation, 'miss')
      const created = new SharedStream(generate, async (chunks) => {
        await this.#store(
          key,
          request,
          { kind: 'stream', chunks, usage: extractStreamUsage(chunks) },
          operation,
          this.#set,
        )
      })
      this.#streams.set(key, created as SharedStream<unknown>)
      void created.ended.then((end) => {
        if (this.#streams.get(key) === (created as SharedStream<unknown>)) this.#streams.delete(key)
        if (end === 'aborted') this.#stats.streamsAborted++
        if (end === 'failed') this.#stats.streamsFailed++
      })
      shared = created
    }
    const joined = shared
    let completed = false
    try {
      yield* joined.subscribe()
      completed = true
    } finally {
      if (completed) stream.usage = extractStreamUsage(joined.chunks)
      if (stream.outcome === 'coalesced') {
        this.#stats.record(operation, 'coalesced', completed ? stream.usage : undefined, model)
      }
    }
  }
}

/** Creates an AI response cache over a `TieredCache`. */
export function createAiCache(options: AiCacheOptions): AiCache {
  return new AiCache(options)
}
