import { utf8Length } from '../bytes'
import { describeInput, ValidationError } from '../errors'
import { type CanonicalContext, canonicalize, type HashedPart } from './canonical'
import { AI_CACHE_DEFAULTS } from './defaults'
import { sha256Hex } from './digest'
import type { OptionSchemas } from './option-schema'
import { type AiRequest, checkOperation, type NormalizedRequest, normalizeRequest } from './request-shapes'

/** Options of {@link CacheKeyGenerator} and {@link aiCacheKey}. */
export interface KeyGeneratorOptions {
  /** Version segment of every key. @default 'v1' */
  version?: string
  /** Strings longer than this many characters are hashed, shorter ones may appear readable. @default 100 */
  textHashThreshold?: number
  /** Per-operation option schemas checked by `normalizeOptions`. */
  optionSchemas?: OptionSchemas
}

/** What `explain` reports about one request's key. */
export interface KeyExplanation {
  key: string
  /** UTF-8 bytes of the key. */
  keyBytes: number
  version: string
  shape: 'text' | 'chat' | 'embed'
  operation: string
  model: string | undefined
  /** The exact text whose SHA-256 ends the key. */
  canonical: string
  /** Sanitised text kept readable in the key, or `undefined` when the text was hashed or absent. */
  readable: string | undefined
  /** Parts carried as digests: long texts and binary data. */
  hashed: HashedPart[]
}

const SEGMENT = /^[A-Za-z0-9_.-]{1,32}$/

function sanitizeModel(model: string | undefined): string {
  if (!model) return '-'
  return model.replace(/[^A-Za-z0-9._/-]+/g, '_').slice(0, 64)
}

/** Builds canonical, versioned keys for AI requests; equal requests share a key, different ones never do. */
export class CacheKeyGenerator {
  readonly version: string
  readonly textHashThreshold: number
  readonly optionSchemas: OptionSchemas | undefined

  constructor(options: KeyGeneratorOptions = {}) {
    const version = options.version ?? AI_CACHE_DEFAULTS.keyVersion
    if (typeof version !== 'string' || !SEGMENT.test(version)) {
      throw new ValidationError(
        `Key version ${describeInput(version)} is invalid: expected 1-32 letters, digits, "_", "." or "-"`,
        'INVALID_OPTION',
      )
    }
    const threshold = options.textHashThreshold ?? AI_CACHE_DEFAULTS.textHashThreshold
    if (!Number.isInteger(threshold) || threshold < 0) {
      throw new ValidationError(
        `textHashThreshold ${describeInput(threshold)} is invalid: expected a non-negative integer of characters`,
        'INVALID_OPTION',
      )
    }
    this.version = version
    this.textHashThreshold = threshold
    this.optionSchemas = options.optionSchemas
  }

  /** Start of every key this generator makes, e.g. `ai:v1:`. */
  get prefix(): string {
    return `${AI_CACHE_DEFAULTS.keyPrefix}:${this.version}:`
  }

  /** Start of every key of one operation, e.g. `ai:v1:summarize:`. */
  operationPrefix(operation: string): string {
    return `${this.prefix}${checkOperation(operation)}:`
  }

  /** The guide's signature: the key of `operation` on `text` with `options`. */
  generateCacheKey(
    text: string,
    operation: string,
    options?: Readonly<Record<string, unknown>>,
    question?: string,
  ): string {
    return this.key({ text, operation, ...(options ? { options } : {}), ...(question ? { question } : {}) })
  }

  /** The key of a request in either shape. */
  key<Q extends AiRequest>(request: Q): string {
    return this.explain(request).key
  }

  /** The key of one text's embedding by `model` (with extra embedding `options`, e.g. dimensions). */
  embeddingKey(text: string, model: string, options?: Readonly<Record<string, unknown>>): string {
    return this.explainEmbedding(text, model, options).key
  }

  /** The key of a request plus its canonical form, what was hashed or kept readable, and its length. */
  explain<Q extends AiRequest>(request: Q): KeyExplanation {
    return this.#build(normalizeRequest(request, this.optionSchemas))
  }

  /** Like `explain`, for one embedding input. */
  explainEmbedding(text: string, model: string, options?: Readonly<Record<string, unknown>>): KeyExplanation {
    if (typeof text !== 'string') {
      throw new ValidationError(`Embedding input must be a string, got ${describeInput(text)}`)
    }
    if (typeof model !== 'string' || model.length === 0) {
      throw new ValidationError('Embeddings need a non-empty "model"')
    }
    return this.#build({
      shape: 'embed',
      operation: 'embed',
      model,
      readableText: text,
      body: { shape: 'embed', model, text, options: options ?? {} },
    })
  }

  #build(request: NormalizedRequest): KeyExplanation {
    const context: CanonicalContext = { textHashThreshold: this.textHashThreshold, hashed: [] }
    const canonical = `${this.version}|${canonicalize(request.body, context)}`
    const readable = this.#readable(request.readableText)
    const textPart =
      readable ?? (request.readableText ? `#${sha256Hex(request.readableText).slice(0, 12)}` : '-')
    const key = `${this.prefix}${request.operation}:${sanitizeModel(request.model)}:${textPart}:${sha256Hex(canonical)}`
    return {
      key,
      keyBytes: utf8Length(key),
      version: this.version,
      shape: request.shape,
      operation: request.operation,
      model: request.model,
      canonical,
      readable,
      hashed: context.hashed,
    }
  }

  /** Short text, lower-cased and reduced to `[a-z0-9-]`; `undefined` when it must be hashed instead. */
  #readable(text: string | undefined): string | undefined {
    if (text === undefined || text.length > this.textHashThreshold) return undefined
    const clean = text
      .normalize('NFKC')
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, AI_CACHE_DEFAULTS.readableMaxChars)
      .replace(/-+$/, '')
    return clean.length > 0 ? clean : undefined
  }
}

/** The canonical key of an AI request (see {@link CacheKeyGenerator}). */
export function aiCacheKey<Q extends AiRequest>(request: Q, options: KeyGeneratorOptions = {}): string {
  return new CacheKeyGenerator(options).key(request)
}
