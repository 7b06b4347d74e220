import { describeInput, ValidationError } from '../errors'
import { decodeBase64 } from './base64'
import { decodeDataUrl } from './canonical'
import { normalizeOptions, type OptionSchemas } from './option-schema'

/** The guide's request shape: one text and one operation with its options. */
export interface TextRequest {
  text: string
  operation: string
  options?: Readonly<Record<string, unknown>>
  /** The question of a `qa` operation. */
  question?: string
  model?: string
  /** Set by `wrapStream`: a streamed answer is stored as chunks, under its own key. */
  stream?: boolean
}

/** One part of a message's content (text, image, audio, file, tool result...), provider-shaped. */
export type ContentPart = Readonly<Record<string, unknown>>

/** One chat message; `content` is a string or an array of parts. */
export interface ChatMessage {
  role: string
  content?: string | readonly ContentPart[] | null
}

/**
 * A chat-style request (OpenAI chat completions or Anthropic messages shape). Every field, including
 * ones not listed here, is part of the key unless it is in {@link NON_SEMANTIC_FIELDS}. No index
 * signature, so the SDKs' own parameter interfaces are accepted as they are.
 */
export interface ChatRequest {
  model: string
  /** Messages (each `{ role, content }`, content a string or part array), or one user message as a string. */
  messages: string | readonly unknown[]
  /** Groups entries for TTLs, stats and invalidation. @default 'chat' */
  operation?: string
  system?: string | readonly unknown[] | null
  temperature?: number | null
  top_p?: number | null
  max_tokens?: number | null
  stop?: string | readonly string[] | null
  seed?: number | null
  tools?: readonly unknown[]
  tool_choice?: unknown
  response_format?: unknown
  stream?: boolean | null
}

/** Either request shape the AI cache accepts. */
export type AiRequest = TextRequest | ChatRequest

/** A request reduced to what decides its answer, ready for `canonicalize`. */
export interface NormalizedRequest {
  shape: 'text' | 'chat' | 'embed'
  operation: string
  model: string | undefined
  /** The text shown (sanitised) in the key when short: the request text or the last user message. */
  readableText: string | undefined
  body: Record<string, unknown>
}

/**
 * Request fields that do not change the answer (transport, tracing, billing), left out of keys.
 * Everything else, including parameters this list has never heard of, is part of the key.
 */
export const NON_SEMANTIC_FIELDS: readonly string[] = [
  'operation',
  'stream_options',
  'user',
  'metadata',
  'store',
  'signal',
  'timeout',
  'headers',
  'idempotencyKey',
  'service_tier',
]

const NAME = /^[A-Za-z0-9_.-]{1,64}$/

/** Throws a `ValidationError` unless `operation` is 1-64 letters, digits, `_`, `.` or `-`. */
export function checkOperation(operation: unknown): string {
  if (typeof operation !== 'string' || !NAME.test(operation)) {
    throw new ValidationError(
      `Invalid AI operation ${describeInput(operation)}: expected 1-64 letters, digits, "_", "." or "-"`,
      'VALIDATION',
    )
  }
  return operation
}

function textParts(content: unknown): ContentPart[] | unknown {
  return typeof content === 'string' ? [{ type: 'text', text: content }] : content
}

/**
 * Fields of a content part (at any depth: tool results nest parts) whose `data:…;base64,` URL is
 * binary: OpenAI `image_url` / `image_url.url` / `file.file_data`, AI SDK `image` / `data`. Text
 * fields never are.
 */
const DATA_URL_FIELDS = new Set(['url', 'image_url', 'file_data', 'image', 'data'])

/** Base64 fields that carry bytes; decoded so a digest covers the bytes, not their spelling. */
function decodePart(part: unknown): unknown {
  if (typeof part !== 'object' || part === null) return part
  const p = part as Record<string, any>
  const source = p.source
  let decoded = part
  if (source?.type === 'base64' && typeof source.data === 'string') {
    decoded = { ...p, source: { ...source, data: tryDecode(source.data) } }
  } else if (typeof p.input_audio?.data === 'string') {
    decoded = { ...p, input_audio: { ...p.input_audio, data: tryDecode(p.input_audio.data) } }
  }
  return decodeDataUrls(decoded, new Set())
}

/** `value` with data URLs in {@link DATA_URL_FIELDS} replaced by their bytes; copies only what changes. */
function decodeDataUrls(value: unknown, ancestors: Set<object>): unknown {
  if (typeof value !== 'object' || value === null || ancestors.has(value)) return value
  const proto = Object.getPrototypeOf(value)
  // Binary, Dates and class instances are left to `canonicalize`, as are cycles (it rejects them).
  if (!Array.isArray(value) && proto !== Object.prototype && proto !== null) return value
  ancestors.add(value)
  let copy: Record<string, unknown> | unknown[] | undefined
  const record = value as Record<string, unknown>
  for (const key of Object.keys(record)) {
    const field = record[key]
    const next =
      typeof field === 'string'
        ? DATA_URL_FIELDS.has(key) && !Array.isArray(value)
          ? (decodeDataUrl(field) ?? field)
          : field
        : decodeDataUrls(field, ancestors)
    if (next === field) continue
    copy ??= Array.isArray(value) ? [...value] : { ...record }
    ;(copy as Record<string, unknown>)[key] = next
  }
  ancestors.delete(value)
  return copy ?? value
}

function tryDecode(text: string): Uint8Array | string {
  try {
    return decodeBase64(text)
  } catch {
    return text
  }
}

function normalizeMessage(message: unknown, index: number): Record<string, unknown> {
  if (typeof message !== 'object' || message === null || typeof (message as ChatMessage).role !== 'string') {
    throw new ValidationError(
      `Invalid chat message at index ${index}: expected { role, content }`,
      'VALIDATION',
    )
  }
  const m = message as ChatMessage
  const content = textParts(m.content)
  return {
    ...m,
    content: Array.isArray(content) ? content.map(decodePart) : content,
  }
}

function lastUserText(messages: Record<string, unknown>[]): string | undefined {
  for (let i = messages.length - 1; i >= 0; i--) {
    if (messages[i]!.role !== 'user') continue
    const parts = messages[i]!.content
    if (!Array.isArray(parts)) return undefined
    const texts = parts.filter((p) => p?.type === 'text' && typeof p.text === 'string').map((p) => p.text)
    return texts.length > 0 ? texts.join(' ') : undefined
  }
  return undefined
}

/** `system` as content parts; `null` is absent (as JSON `null` is to the providers). */
function systemParts(system: unknown): unknown[] | undefined {
  if (system === undefined || system === null) return undefined
  if (typeof system === 'string') return [{ type: 'text', text: system }]
  if (!Array.isArray(system)) {
    throw new ValidationError(
      `A chat request's "system" must be a string or an array of parts, got ${describeInput(system)}`,
      'VALIDATION',
    )
  }
  return system.map(decodePart)
}

function normalizeChat(request: ChatRequest): NormalizedRequest {
  if (typeof request.model !== 'string' || request.model.length === 0) {
    throw new ValidationError('A chat request needs a non-empty "model"', 'VALIDATION')
  }
  const raw =
    typeof request.messages === 'string' ? [{ role: 'user', content: request.messages }] : request.messages
  if (!Array.isArray(raw)) {
    throw new ValidationError('A chat request needs "messages": a string or an array', 'VALIDATION')
  }
  // An index loop, not map: a hole in `messages` is refused like any other non-message.
  const messages: Record<string, unknown>[] = []
  for (let i = 0; i < raw.length; i++) messages.push(normalizeMessage(raw[i], i))
  const body: Record<string, unknown> = { shape: 'chat' }
  for (const [field, value] of Object.entries(request)) {
    if (!NON_SEMANTIC_FIELDS.includes(field)) body[field] = value
  }
  body.messages = messages
  const system = systemParts(request.system)
  if (system === undefined) delete body.system
  else body.system = system
  // `stream: false` asks for the same answer as no `stream` at all.
  if (request.stream) body.stream = true
  else delete body.stream
  const operation = checkOperation(request.operation ?? 'chat')
  body.operation = operation
  return {
    shape: 'chat',
    operation,
    model: request.model,
    readableText: lastUserText(messages),
    body,
  }
}

function normalizeText(request: TextRequest, schemas: OptionSchemas | undefined): NormalizedRequest {
  const operation = checkOperation(request.operation)
  if (typeof request.text !== 'string') {
    throw new ValidationError(`AI request "text" must be a string, got ${describeInput(request.text)}`)
  }
  if (request.question !== undefined && typeof request.question !== 'string') {
    throw new ValidationError(
      `AI request "question" must be a string, got ${describeInput(request.question)}`,
    )
  }
  const options = normalizeOptions(operation, request.options, schemas)
  const model = request.model ?? (typeof options.model === 'string' ? options.model : undefined)
  return {
    shape: 'text',
    operation,
    model,
    readableText: request.text,
    body: {
      shape: 'text',
      operation,
      text: request.text,
      options,
      question: request.question,
      model: request.model,
      stream: request.stream ? true : undefined,
    },
  }
}

/** Recognises the request shape and reduces it to what decides the answer. */
export function normalizeRequest(request: AiRequest, schemas?: OptionSchemas): NormalizedRequest {
  if (typeof request !== 'object' || request === null) {
    throw new ValidationError(`AI request must be an object, got ${describeInput(request)}`)
  }
  if ('messages' in request && request.messages !== undefined) return normalizeChat(request as ChatRequest)
  if ('text' in request) return normalizeText(request as TextRequest, schemas)
  throw new ValidationError(
    'AI request must have either { text, operation } (guide shape) or { model, messages } (chat shape)',
  )
}
