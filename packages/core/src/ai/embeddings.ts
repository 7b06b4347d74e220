import type { TieredCache } from '../cache/tiered-cache'
import { describeInput, ValidationError } from '../errors'
import type { AiStatsRecorder } from './ai-stats'
import { decodeVector, encodeVector } from './float32'
import type { CacheKeyGenerator } from './key-generator'

/** Options of `getOrEmbedMany`: the model, plus anything else that changes the vectors (e.g. dimensions). */
export interface EmbedOptions {
  model: string
  [option: string]: unknown
}

/** Embeds the texts not found in the cache, returning one vector per text in the same order. */
export type EmbedMissing = (
  texts: string[],
) => readonly ArrayLike<number>[] | Promise<readonly ArrayLike<number>[]>

interface EmbedContext {
  cache: TieredCache
  keys: CacheKeyGenerator
  stats: AiStatsRecorder
  ttlMs: number
}

/** See `AiCache.getOrEmbedMany`. */
export async function getOrEmbedMany(
  context: EmbedContext,
  texts: readonly string[],
  options: EmbedOptions,
  embedMissing: EmbedMissing,
): Promise<Float32Array[]> {
  if (!Array.isArray(texts)) throw new ValidationError(`getOrEmbedMany expects an array of texts`)
  if (typeof embedMissing !== 'function') {
    throw new ValidationError(`getOrEmbedMany expects a function, got ${describeInput(embedMissing)}`)
  }
  const { model, ...rest } = options ?? ({} as EmbedOptions)
  const keys = texts.map((text) => context.keys.embeddingKey(text, model, rest))
  const unique = [...new Set(keys)]
  const vectors = new Map<string, Float32Array>()
  const found = await context.cache.getMany(unique)
  found.forEach((value, i) => {
    const vector = decodeVector(value)
    if (vector) vectors.set(unique[i]!, vector)
  })
  const missingKeys = unique.filter((key) => !vectors.has(key))
  const missingTextCount = keys.filter((k) => !vectors.has(k)).length
  context.stats.recordMany('embed', 'hit', keys.length - missingTextCount)
  context.stats.recordMany('embed', 'miss', missingKeys.length)
  // A text repeated within the batch rides on the first one's embedding.
  context.stats.recordMany('embed', 'coalesced', missingTextCount - missingKeys.length)
  if (missingKeys.length > 0) {
    const missingTexts = missingKeys.map((key) => texts[keys.indexOf(key)]!)
    const embedded = await embedMissing(missingTexts)
    if (!Array.isArray(embedded) || embedded.length !== missingTexts.length) {
      throw new ValidationError(
        `embedMissing returned ${Array.isArray(embedded) ? embedded.length : describeInput(embedded)} vectors for ${missingTexts.length} texts`,
        'INVALID_VALUE',
      )
    }
    const stored = embedded.map((vector) => encodeVector(vector))
    await context.cache.setMany(missingKeys.map((key, i) => ({ key, value: stored[i]!, ttl: context.ttlMs })))
    missingKeys.forEach((key, i) => {
      vectors.set(key, decodeVector(stored[i]) as Float32Array)
    })
    context.stats.stored += missingKeys.length
  }
  // Each caller gets its own copy, so changing one vector never changes another's.
  return keys.map((key) => vectors.get(key)!.slice())
}
