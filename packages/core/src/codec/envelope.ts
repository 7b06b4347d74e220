import { utf8Decode, utf8Encode } from '../bytes'
import type { EntryMeta } from '../contracts/codec'
import { CorruptEntryError, ValidationError } from '../errors'
import { crc32 } from './crc32'

/** First two bytes of every envelope. */
const MAGIC_0 = 0xca
const MAGIC_1 = 0xc1
/** Current envelope format; readers reject versions they do not know. */
export const ENVELOPE_VERSION = 1

/** Flag bit: the payload is compressed with `compressorId`. */
export const FLAG_COMPRESSED = 1
/** Flag bit: the payload is encrypted with key `keyId`. */
export const FLAG_ENCRYPTED = 2

const FIXED_HEADER_BYTES = 4 + 3 + 24 + 2
const CHECKSUM_BYTES = 4

/** Everything an envelope says about its payload. */
export interface EnvelopeHeader {
  flags: number
  serializerId: string
  compressorId: string
  keyId: string
  meta: EntryMeta
}

/** A header plus its (possibly compressed or encrypted) payload. */
export interface Envelope extends EnvelopeHeader {
  payload: Uint8Array
}

/** A parsed envelope; `header` holds the raw header bytes (authenticated by encryption). */
export interface ReadEnvelope extends Envelope {
  header: Uint8Array
}

/*
 * Layout (big-endian):
 *   magic(2) version(1) flags(1)
 *   serializerId(u8 len + utf8) compressorId(u8 len + utf8) keyId(u8 len + utf8)
 *   createdAt(f64) expiresAt(f64) staleUntil(f64)
 *   tagCount(u16) then per tag: u16 len + utf8
 *   payload
 *   crc32(u32) of everything before it, so truncated or flipped bytes never decode into a wrong value
 */

/** Encodes the header of an envelope; encryption binds these bytes to the ciphertext. */
export function encodeEnvelopeHeader(header: EnvelopeHeader): Uint8Array {
  const ids = [header.serializerId, header.compressorId, header.keyId].map(utf8Encode)
  const tags = header.meta.tags.map(utf8Encode)
  let size = FIXED_HEADER_BYTES
  for (const id of ids) {
    if (id.length > 255)
      throw new ValidationError('A codec or key id is longer than 255 bytes', 'INVALID_OPTION')
    size += id.length
  }
  if (tags.length > 0xffff) throw new ValidationError('An entry carries more than 65535 tags', 'VALIDATION')
  for (const tag of tags) {
    if (tag.length > 0xffff) throw new ValidationError('A tag is longer than 65535 bytes', 'VALIDATION')
    size += 2 + tag.length
  }
  const out = new Uint8Array(size)
  const view = new DataView(out.buffer)
  out[0] = MAGIC_0
  out[1] = MAGIC_1
  out[2] = ENVELOPE_VERSION
  out[3] = header.flags
  let offset = 4
  for (const id of ids) {
    out[offset++] = id.length
    out.set(id, offset)
    offset += id.length
  }
  view.setFloat64(offset, header.meta.createdAt)
  view.setFloat64(offset + 8, header.meta.expiresAt)
  view.setFloat64(offset + 16, header.meta.staleUntil)
  offset += 24
  view.setUint16(offset, tags.length)
  offset += 2
  for (const tag of tags) {
    view.setUint16(offset, tag.length)
    out.set(tag, offset + 2)
    offset += 2 + tag.length
  }
  return out
}

/** Joins an encoded header and a payload into the bytes stored in L2, appending the CRC-32 (`checksum`). */
export function joinEnvelope(header: Uint8Array, payload: Uint8Array, checksum = crc32): Uint8Array {
  const bodyLength = header.length + payload.length
  const out = new Uint8Array(bodyLength + CHECKSUM_BYTES)
  out.set(header, 0)
  out.set(payload, header.length)
  new DataView(out.buffer).setUint32(bodyLength, checksum(out.subarray(0, bodyLength)))
  return out
}

/** Builds the bytes stored in L2: header, payload and checksum. */
export function writeEnvelope(envelope: Envelope): Uint8Array {
  return joinEnvelope(encodeEnvelopeHeader(envelope), envelope.payload)
}

function corrupt(reason: string): never {
  throw new CorruptEntryError(`Corrupt cache entry: ${reason}`)
}

// Codec ids are short ASCII: decoding them by hand skips three TextDecoder calls on every read.
function shortText(bytes: Uint8Array, offset: number, length: number): string {
  let text = ''
  for (let i = offset; i < offset + length; i++) {
    const byte = bytes[i]!
    if (byte >= 0x80) return utf8Decode(bytes.subarray(offset, offset + length))
    text += String.fromCharCode(byte)
  }
  return text
}

/**
 * Parses an envelope; throws a `CorruptEntryError` for anything malformed, altered or of an unknown version.
 * `checksum` computes the CRC-32 (another implementation of the same function, such as a native one).
 */
export function readEnvelope(bytes: Uint8Array, checksum = crc32): ReadEnvelope {
  if (!(bytes instanceof Uint8Array)) corrupt('not bytes')
  if (bytes.length < FIXED_HEADER_BYTES + CHECKSUM_BYTES) corrupt('too short')
  if (bytes[0] !== MAGIC_0 || bytes[1] !== MAGIC_1) corrupt('bad magic bytes')
  if (bytes[2] !== ENVELOPE_VERSION) corrupt(`unknown envelope version ${bytes[2]}`)
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const end = bytes.length - CHECKSUM_BYTES
  if (view.getUint32(end) !== checksum(bytes.subarray(0, end))) corrupt('checksum mismatch')
  const flags = bytes[3]!
  if (flags & ~(FLAG_COMPRESSED | FLAG_ENCRYPTED)) corrupt('unknown flags')
  let offset = 4
  const ids: string[] = []
  for (let i = 0; i < 3; i++) {
    const length = bytes[offset++]!
    if (offset + length > end) corrupt('truncated header')
    try {
      ids.push(shortText(bytes, offset, length))
    } catch {
      corrupt('invalid codec id')
    }
    offset += length
  }
  if (offset + 26 > end) corrupt('truncated header')
  const createdAt = view.getFloat64(offset)
  const expiresAt = view.getFloat64(offset + 8)
  const staleUntil = view.getFloat64(offset + 16)
  offset += 24
  if (!Number.isFinite(createdAt) || Number.isNaN(expiresAt) || Number.isNaN(staleUntil)) {
    corrupt('invalid timestamps')
  }
  if (staleUntil < expiresAt || expiresAt < createdAt) corrupt('inconsistent timestamps')
  const tagCount = view.getUint16(offset)
  offset += 2
  const tags: string[] = []
  for (let i = 0; i < tagCount; i++) {
    if (offset + 2 > end) corrupt('truncated tags')
    const length = view.getUint16(offset)
    offset += 2
    if (offset + length > end) corrupt('truncated tags')
    try {
      tags.push(utf8Decode(bytes.subarray(offset, offset + length)))
    } catch {
      corrupt('invalid tag')
    }
    offset += length
  }
  const [serializerId, compressorId, keyId] = ids as [string, string, string]
  if (serializerId === '') corrupt('missing serializer id')
  if (Boolean(flags & FLAG_COMPRESSED) !== (compressorId !== '')) corrupt('compression flag mismatch')
  if (Boolean(flags & FLAG_ENCRYPTED) !== (keyId !== '')) corrupt('encryption flag mismatch')
  return {
    flags,
    serializerId,
    compressorId,
    keyId,
    meta: { createdAt, expiresAt, staleUntil, tags },
    header: bytes.subarray(0, offset),
    payload: bytes.subarray(offset, end),
  }
}
