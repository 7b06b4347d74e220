import { claimRoom, isWellFormed, utf8Decode, utf8Encode } from '../bytes'
import type { EntryMeta } from '../contracts/codec'
import { CorruptEntryError, ValidationError } from '../errors'
import { readFloat64, readUint16, readUint32, writeFloat64, writeUint16, writeUint32 } from './big-endian'
import { crc32 } from './crc32'
import { Meta } from './entry-meta'

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

/** The ids of an envelope, UTF-8 encoded once (a codec keeps them, so a write encodes no id). */
export interface EncodedIds {
  serializerId: Uint8Array
  compressorId: Uint8Array
  keyId: Uint8Array
}

/** One shared empty tag list: most entries carry no tags, and a read then allocates no array. */
export const NO_TAGS: readonly string[] = Object.freeze([])
const NO_TAG_BYTES: readonly Uint8Array[] = Object.freeze([])
const NO_BYTES = new Uint8Array(0)

/** UTF-8 encodes the three ids; throws a `ValidationError` for one longer than 255 bytes. */
export function encodeIds(serializerId: string, compressorId: string, keyId: string): EncodedIds {
  const ids = {
    serializerId: serializerId === '' ? NO_BYTES : utf8Encode(serializerId),
    compressorId: compressorId === '' ? NO_BYTES : utf8Encode(compressorId),
    keyId: keyId === '' ? NO_BYTES : utf8Encode(keyId),
  }
  if (ids.serializerId.length > 255 || ids.compressorId.length > 255 || ids.keyId.length > 255)
    throw new ValidationError('A codec or key id is longer than 255 bytes', 'INVALID_OPTION')
  return ids
}

function encodeTags(tags: readonly string[]): readonly Uint8Array[] {
  if (tags.length === 0) return NO_TAG_BYTES
  if (tags.length > 0xffff) throw new ValidationError('An entry carries more than 65535 tags', 'VALIDATION')
  // UTF-8 would store a lone surrogate as U+FFFD: the tag read back would not be the tag written.
  if (!tags.every(isWellFormed)) throw new ValidationError('A tag holds a lone surrogate', 'VALIDATION')
  const encoded = tags.map(utf8Encode)
  for (const tag of encoded) {
    if (tag.length > 0xffff) throw new ValidationError('A tag is longer than 65535 bytes', 'VALIDATION')
  }
  return encoded
}

function headerSize(ids: EncodedIds, tags: readonly Uint8Array[]): number {
  let size = FIXED_HEADER_BYTES + ids.serializerId.length + ids.compressorId.length + ids.keyId.length
  for (const tag of tags) size += 2 + tag.length
  return size
}

function writeId(out: Uint8Array, offset: number, id: Uint8Array): number {
  out[offset] = id.length
  out.set(id, offset + 1)
  return offset + 1 + id.length
}

/** Writes the header at the start of `out`; returns where the payload starts. */
function writeHeader(
  out: Uint8Array,
  flags: number,
  ids: EncodedIds,
  meta: EntryMeta,
  tags: readonly Uint8Array[],
): number {
  out[0] = MAGIC_0
  out[1] = MAGIC_1
  out[2] = ENVELOPE_VERSION
  out[3] = flags
  let offset = writeId(out, 4, ids.serializerId)
  offset = writeId(out, offset, ids.compressorId)
  offset = writeId(out, offset, ids.keyId)
  writeFloat64(out, offset, meta.createdAt)
  writeFloat64(out, offset + 8, meta.expiresAt)
  writeFloat64(out, offset + 16, meta.staleUntil)
  offset += 24
  writeUint16(out, offset, tags.length)
  offset += 2
  for (const tag of tags) {
    writeUint16(out, offset, tag.length)
    out.set(tag, offset + 2)
    offset += 2 + tag.length
  }
  return offset
}

/** Encodes the header of an envelope; encryption binds these bytes to the ciphertext. */
export function encodeEnvelopeHeader(header: EnvelopeHeader): Uint8Array {
  return encodeHeaderWith(
    header.flags,
    encodeIds(header.serializerId, header.compressorId, header.keyId),
    header.meta,
  )
}

/** {@link encodeEnvelopeHeader} with ids encoded beforehand. */
export function encodeHeaderWith(flags: number, ids: EncodedIds, meta: EntryMeta): Uint8Array {
  const tags = encodeTags(meta.tags)
  const out = new Uint8Array(headerSize(ids, tags))
  writeHeader(out, flags, ids, meta, tags)
  return out
}

/**
 * The bytes stored in L2 for an unencrypted payload, built in one allocation: header, payload and
 * checksum, the same bytes as `joinEnvelope(encodeEnvelopeHeader(...), payload)`. A payload encoded with
 * room around it (long JSON texts) is not copied: the result is a view of its buffer.
 */
export function sealEnvelope(
  flags: number,
  ids: EncodedIds,
  meta: EntryMeta,
  payload: Uint8Array,
  checksum: (bytes: Uint8Array) => number = crc32,
): Uint8Array {
  const tags = encodeTags(meta.tags)
  const header = headerSize(ids, tags)
  const bodyLength = header + payload.length
  if (claimRoom(payload, header, CHECKSUM_BYTES)) {
    // A long JSON text encoded with room around it: header and CRC go around it, with no 100 KB copy.
    const out = new Uint8Array(payload.buffer, payload.byteOffset - header, bodyLength + CHECKSUM_BYTES)
    writeHeader(out, flags, ids, meta, tags)
    writeUint32(out, bodyLength, checksum(out.subarray(0, bodyLength)))
    return out
  }
  const out = new Uint8Array(bodyLength + CHECKSUM_BYTES)
  out.set(payload, writeHeader(out, flags, ids, meta, tags))
  writeUint32(out, bodyLength, checksum(out.subarray(0, bodyLength)))
  return out
}

/** Joins an encoded header and a payload into the bytes stored in L2, appending the CRC-32 (`checksum`). */
export function joinEnvelope(header: Uint8Array, payload: Uint8Array, checksum = crc32): Uint8Array {
  const bodyLength = header.length + payload.length
  const out = new Uint8Array(bodyLength + CHECKSUM_BYTES)
  out.set(header, 0)
  out.set(payload, header.length)
  writeUint32(out, bodyLength, checksum(out.subarray(0, bodyLength)))
  return out
}

/** Builds the bytes stored in L2: header, payload and checksum. */
export function writeEnvelope(envelope: Envelope): Uint8Array {
  return joinEnvelope(encodeEnvelopeHeader(envelope), envelope.payload)
}

function corrupt(reason: string): never {
  throw new CorruptEntryError(`Corrupt cache entry: ${reason}`)
}

// Codec ids are short ASCII: decoding them by hand skips a TextDecoder call per id on every read, and an
// id equal to `expected` (the codec's own) is returned as that string, so a read builds no string.
function readId(bytes: Uint8Array, offset: number, length: number, expected: string): string {
  if (length === 0) return ''
  if (length === expected.length) {
    let same = true
    for (let i = 0; i < length; i++) {
      // Bytes equal UTF-16 units only for ASCII: a non-ASCII id takes the decoding below.
      const code = expected.charCodeAt(i)
      if (code >= 0x80 || bytes[offset + i] !== code) {
        same = false
        break
      }
    }
    if (same) return expected
  }
  let text = ''
  for (let i = offset; i < offset + length; i++) {
    const byte = bytes[i]!
    if (byte >= 0x80) return utf8Decode(bytes.subarray(offset, offset + length))
    text += String.fromCharCode(byte)
  }
  return text
}

/** A parsed envelope as the codec reads it: `headerEnd` instead of a view of the header bytes. */
export interface ParsedEnvelope extends Envelope {
  /** Length of the header (the bytes encryption authenticates). */
  headerEnd: number
}

/** Ids a reader expects most entries to carry; matching ones are read without building strings. */
export interface ExpectedIds {
  serializerId: string
  compressorId: string
  keyId: string
}

const NO_EXPECTED_IDS: ExpectedIds = { serializerId: 'json', compressorId: '', keyId: '' }

/**
 * Parses an envelope; throws a `CorruptEntryError` for anything malformed, altered or of an unknown version.
 * `checksum` computes the CRC-32 (another implementation of the same function, such as a native one).
 */
export function readEnvelope(bytes: Uint8Array, checksum = crc32): ReadEnvelope {
  const parsed = parseEnvelope(bytes, checksum, NO_EXPECTED_IDS)
  const { headerEnd, ...envelope } = parsed
  return { ...envelope, header: bytes.subarray(0, headerEnd) }
}

/** {@link readEnvelope} without the header view, for the codec's read path. */
export function parseEnvelope(
  bytes: Uint8Array,
  checksum: (bytes: Uint8Array) => number,
  expected: ExpectedIds,
): ParsedEnvelope {
  if (!(bytes instanceof Uint8Array)) corrupt('not bytes')
  if (bytes.length < FIXED_HEADER_BYTES + CHECKSUM_BYTES) corrupt('too short')
  if (bytes[0] !== MAGIC_0 || bytes[1] !== MAGIC_1) corrupt('bad magic bytes')
  if (bytes[2] !== ENVELOPE_VERSION) corrupt(`unknown envelope version ${bytes[2]}`)
  const end = bytes.length - CHECKSUM_BYTES
  if (readUint32(bytes, end) !== checksum(bytes.subarray(0, end))) corrupt('checksum mismatch')
  const flags = bytes[3]!
  if (flags & ~(FLAG_COMPRESSED | FLAG_ENCRYPTED)) corrupt('unknown flags')
  let offset = 4
  let serializerId = ''
  let compressorId = ''
  let keyId = ''
  for (let i = 0; i < 3; i++) {
    const length = bytes[offset++]!
    if (offset + length > end) corrupt('truncated header')
    try {
      if (i === 0) serializerId = readId(bytes, offset, length, expected.serializerId)
      else if (i === 1) compressorId = readId(bytes, offset, length, expected.compressorId)
      else keyId = readId(bytes, offset, length, expected.keyId)
    } catch {
      corrupt('invalid codec id')
    }
    offset += length
  }
  if (offset + 26 > end) corrupt('truncated header')
  const createdAt = readFloat64(bytes, offset)
  const expiresAt = readFloat64(bytes, offset + 8)
  const staleUntil = readFloat64(bytes, offset + 16)
  offset += 24
  if (!Number.isFinite(createdAt) || Number.isNaN(expiresAt) || Number.isNaN(staleUntil)) {
    corrupt('invalid timestamps')
  }
  if (staleUntil < expiresAt || expiresAt < createdAt) corrupt('inconsistent timestamps')
  const tagCount = readUint16(bytes, offset)
  offset += 2
  const tags: string[] | readonly string[] = tagCount === 0 ? NO_TAGS : []
  for (let i = 0; i < tagCount; i++) {
    if (offset + 2 > end) corrupt('truncated tags')
    const length = readUint16(bytes, offset)
    offset += 2
    if (offset + length > end) corrupt('truncated tags')
    try {
      ;(tags as string[]).push(utf8Decode(bytes.subarray(offset, offset + length)))
    } catch {
      corrupt('invalid tag')
    }
    offset += length
  }
  if (serializerId === '') corrupt('missing serializer id')
  if (Boolean(flags & FLAG_COMPRESSED) !== (compressorId !== '')) corrupt('compression flag mismatch')
  if (Boolean(flags & FLAG_ENCRYPTED) !== (keyId !== '')) corrupt('encryption flag mismatch')
  return {
    flags,
    serializerId,
    compressorId,
    keyId,
    meta: new Meta(createdAt, expiresAt, staleUntil, tags),
    headerEnd: offset,
    payload: bytes.subarray(offset, end),
  }
}
