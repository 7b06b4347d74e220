import { utf8Decode, utf8Encode } from '../bytes'
import type { EntryMeta } from '../contracts/codec'
import { CorruptEntryError } from '../errors'

/** First two bytes of every envelope. */
const MAGIC_0 = 0xca
const MAGIC_1 = 0xc1
/** Current envelope format; readers reject versions they do not know. */
export const ENVELOPE_VERSION = 1

export const FLAG_COMPRESSED = 1
export const FLAG_ENCRYPTED = 2

/** The parsed header of an envelope plus its (possibly compressed or encrypted) payload. */
export interface Envelope {
  flags: number
  serializerId: string
  compressorId: string
  keyId: string
  meta: EntryMeta
  payload: Uint8Array
}

/*
 * Layout (big-endian):
 *   magic(2) version(1) flags(1)
 *   serializerId(u8 len + utf8) compressorId(u8 len + utf8) keyId(u8 len + utf8)
 *   createdAt(f64) expiresAt(f64) staleUntil(f64)
 *   tagCount(u16) then per tag: u16 len + utf8
 *   payload (the rest)
 */
export function writeEnvelope(envelope: Envelope): Uint8Array {
  const ids = [envelope.serializerId, envelope.compressorId, envelope.keyId].map(utf8Encode)
  const tags = envelope.meta.tags.map(utf8Encode)
  let size = 4 + 24 + 2 + envelope.payload.length
  for (const id of ids) {
    if (id.length > 255) throw new RangeError('codec id longer than 255 bytes')
    size += 1 + id.length
  }
  if (tags.length > 0xffff) throw new RangeError('more than 65535 tags')
  for (const tag of tags) {
    if (tag.length > 0xffff) throw new RangeError('tag longer than 65535 bytes')
    size += 2 + tag.length
  }
  const out = new Uint8Array(size)
  const view = new DataView(out.buffer)
  out[0] = MAGIC_0
  out[1] = MAGIC_1
  out[2] = ENVELOPE_VERSION
  out[3] = envelope.flags
  let offset = 4
  for (const id of ids) {
    out[offset++] = id.length
    out.set(id, offset)
    offset += id.length
  }
  view.setFloat64(offset, envelope.meta.createdAt)
  view.setFloat64(offset + 8, envelope.meta.expiresAt)
  view.setFloat64(offset + 16, envelope.meta.staleUntil)
  offset += 24
  view.setUint16(offset, tags.length)
  offset += 2
  for (const tag of tags) {
    view.setUint16(offset, tag.length)
    out.set(tag, offset + 2)
    offset += 2 + tag.length
  }
  out.set(envelope.payload, offset)
  return out
}

function corrupt(reason: string): never {
  throw new CorruptEntryError(`Corrupt cache entry: ${reason}`)
}

/** Parses an envelope; throws a `CorruptEntryError` for anything malformed or of an unknown version. */
export function readEnvelope(bytes: Uint8Array): Envelope {
  if (bytes.length < 4 + 3 + 24 + 2) corrupt('too short')
  if (bytes[0] !== MAGIC_0 || bytes[1] !== MAGIC_1) corrupt('bad magic bytes')
  if (bytes[2] !== ENVELOPE_VERSION) corrupt(`unknown envelope version ${bytes[2]}`)
  const flags = bytes[3]!
  if (flags & ~(FLAG_COMPRESSED | FLAG_ENCRYPTED)) corrupt('unknown flags')
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  let offset = 4
  const ids: string[] = []
  for (let i = 0; i < 3; i++) {
    const length = bytes[offset++]
    if (length === undefined || offset + length > bytes.length) corrupt('truncated header')
    try {
      ids.push(utf8Decode(bytes.subarray(offset, offset + length)))
    } catch {
      corrupt('invalid codec id')
    }
    offset += length
  }
  if (offset + 26 > bytes.length) corrupt('truncated header')
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
    if (offset + 2 > bytes.length) corrupt('truncated tags')
    const length = view.getUint16(offset)
    offset += 2
    if (offset + length > bytes.length) corrupt('truncated tags')
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
    payload: bytes.subarray(offset),
  }
}
