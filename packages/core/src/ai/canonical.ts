import { utf8Length } from '../bytes'
import { ValidationError } from '../errors'
import { decodeBase64 } from './base64'
import { sha256Hex } from './digest'

/** A part of a request that the canonical form carries as a SHA-256 digest instead of verbatim. */
export interface HashedPart {
  /** Where it sits in the request, e.g. `$.messages[0].content[1].image_url.url`. */
  path: string
  kind: 'text' | 'binary'
  /** Size of what was hashed: UTF-8 bytes of a text, bytes of a binary part. */
  bytes: number
  sha256: string
  mediaType?: string
}

/** What `canonicalize` needs and what it reports. */
export interface CanonicalContext {
  /** Strings longer than this many characters are replaced by their digest. */
  textHashThreshold: number
  /** Filled with every part replaced by a digest. */
  hashed: HashedPart[]
}

const DATA_URL = /^data:([^;,]*)((?:;[^;,]*)*);base64,/i

/**
 * The bytes of a `data:…;base64,` URL found where a request carries binary data (see
 * `request-shapes.ts`). Only such positions are decoded: user text that merely looks like a data URL
 * stays text, or two spellings of it (case, padding, base64url) would share a key.
 */
export class DataUrlBytes {
  constructor(
    readonly bytes: Uint8Array,
    readonly mediaType: string,
  ) {}
}

/** The decoded data URL, or `undefined` when `text` is not a valid base64 data URL. */
export function decodeDataUrl(text: string): DataUrlBytes | undefined {
  const match = DATA_URL.exec(text)
  if (!match) return undefined
  try {
    const bytes = decodeBase64(text.slice(match[0].length))
    return new DataUrlBytes(bytes, `${match[1]!.toLowerCase()}${match[2] ?? ''}`)
  } catch {
    return undefined
  }
}

// Lone surrogates, which a UTF-8 encode would turn into U+FFFD (with `u`, a valid pair is one code point).
const LONE_SURROGATE = /\p{Cs}/u

/** The bytes behind a binary value, or `undefined` when it is not one. */
export function binaryBytes(value: unknown): Uint8Array | undefined {
  if (value instanceof Uint8Array) return value
  if (value instanceof ArrayBuffer) return new Uint8Array(value)
  if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength)
  return undefined
}

function reject(path: string, what: string): never {
  throw new ValidationError(`Cannot build an AI cache key: ${what} at ${path}`, 'VALIDATION')
}

function binaryToken(ctx: CanonicalContext, path: string, bytes: Uint8Array, mediaType?: string): string {
  const sha256 = sha256Hex(bytes)
  ctx.hashed.push({ path, kind: 'binary', bytes: bytes.length, sha256, ...(mediaType ? { mediaType } : {}) })
  // Unquoted tokens cannot be produced by any JSON value, so a digest never equals user text.
  return mediaType ? `bin(${JSON.stringify(mediaType)}):${sha256}` : `bin:${sha256}`
}

function stringToken(value: string, ctx: CanonicalContext, path: string): string {
  if (value.length <= ctx.textHashThreshold) return JSON.stringify(value)
  if (LONE_SURROGATE.test(value)) {
    // UTF-8 cannot hold a lone surrogate, so hash the JSON form (lossless) under its own token;
    // well-formed text keeps the `txt:` digest of its UTF-8, so existing keys stay as they were.
    const sha256 = sha256Hex(JSON.stringify(value))
    ctx.hashed.push({ path, kind: 'text', bytes: utf8Length(value), sha256 })
    return `utf16:${sha256}`
  }
  const sha256 = sha256Hex(value)
  ctx.hashed.push({ path, kind: 'text', bytes: utf8Length(value), sha256 })
  return `txt:${sha256}`
}

function numberToken(value: number, path: string): string {
  if (!Number.isFinite(value)) reject(path, `the non-finite number ${value}`)
  // `-0` and `0` are one number to a provider; everything else already prints canonically.
  return Object.is(value, -0) ? '0' : String(value)
}

/**
 * A canonical text for a JSON-like value: object keys sorted, `undefined` fields dropped (as JSON
 * does, which is what a provider receives), numbers normalised, binary data and long strings replaced
 * by SHA-256 digests. Non-finite numbers, functions, symbols, bigints, Maps, Sets, Blobs and cycles
 * throw a `ValidationError`, because no wire format would send them as they are.
 */
export function canonicalize(
  value: unknown,
  ctx: CanonicalContext,
  path = '$',
  seen: Set<object> = new Set(),
): string {
  switch (typeof value) {
    case 'string':
      return stringToken(value, ctx, path)
    case 'number':
      return numberToken(value, path)
    case 'boolean':
      return value ? 'true' : 'false'
    case 'undefined':
      return 'null'
    case 'bigint':
    case 'function':
    case 'symbol':
      return reject(path, `a ${typeof value}`)
  }
  if (value === null) return 'null'
  if (value instanceof DataUrlBytes) return binaryToken(ctx, path, value.bytes, value.mediaType)
  const bytes = binaryBytes(value)
  if (bytes) return binaryToken(ctx, path, bytes)
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) reject(path, 'an invalid Date')
    return JSON.stringify(value.toISOString())
  }
  if (value instanceof Map || value instanceof Set) reject(path, `a ${value.constructor.name}`)
  if (typeof Blob !== 'undefined' && value instanceof Blob) {
    reject(path, 'a Blob (read it into a Uint8Array first)')
  }
  const object = value as object
  if (seen.has(object)) reject(path, 'a circular reference')
  seen.add(object)
  try {
    if (Array.isArray(object)) {
      // An index loop, not map: a hole is `null` on the wire, as `undefined` is.
      const items: string[] = []
      for (let i = 0; i < object.length; i++) items.push(canonicalize(object[i], ctx, `${path}[${i}]`, seen))
      return `[${items.join(',')}]`
    }
    const json = (object as { toJSON?: unknown }).toJSON
    if (typeof json === 'function') return canonicalize(json.call(object), ctx, path, seen)
    const fields: string[] = []
    for (const key of Object.keys(object).sort()) {
      const field = (object as Record<string, unknown>)[key]
      if (field === undefined) continue
      fields.push(`${JSON.stringify(key)}:${canonicalize(field, ctx, `${path}.${key}`, seen)}`)
    }
    return `{${fields.join(',')}}`
  } finally {
    seen.delete(object)
  }
}
