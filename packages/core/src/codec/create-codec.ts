import { utf8Encode, utf8Length } from '../bytes'
import type { Codec, Compressor, DecodedEntry, Encryptor, EntryMeta, Serializer } from '../contracts/codec'
import { CODEC_DEFAULTS } from '../defaults'
import { CorruptEntryError, ValidationError } from '../errors'
import { crc32 } from './crc32'
import {
  type EncodedIds,
  type ExpectedIds,
  encodeHeaderWith,
  encodeIds,
  FLAG_COMPRESSED,
  FLAG_ENCRYPTED,
  joinEnvelope,
  type ParsedEnvelope,
  parseEnvelope,
  sealEnvelope,
} from './envelope'
import { jsonSerializer } from './json-serializer'

/** Options for {@link createCodec}. */
export interface CodecOptions {
  /** Serializer for new entries. @default jsonSerializer() */
  serializer?: Serializer
  /** Compressor for payloads above `compressionThreshold`; none by default. It also stays a reader. */
  compressor?: Compressor
  /**
   * Payloads larger than this many bytes are compressed (and still cached). `Infinity` stops compressing
   * new entries while old compressed ones stay readable. @default 1024
   */
  compressionThreshold?: number
  /** Level passed to the compressor, checked against its `levels`. @default the compressor's own default */
  compressionLevel?: number
  /** An entry whose payload would exceed this many bytes (once decompressed) is refused. @default 64 MiB */
  maxDecompressedBytes?: number
  /**
   * A faster implementation of the envelope's CRC-32 (IEEE, as zlib computes it), such as `crc32` from
   * `node:zlib` on Node 20.15+ (about 4x faster than the built-in JS one on large entries). Checked against
   * the built-in at construction; the envelope format does not change. @default the built-in JS CRC-32
   */
  crc32?: (bytes: Uint8Array) => number
  /** Optional encryption after compression. */
  encryptor?: Encryptor
  /**
   * Refuse entries that are not encrypted (read as misses), so nobody who can write to L2 can plant a
   * value. Off by default, so entries written before encryption was enabled stay readable. @default false
   */
  requireEncryption?: boolean
  /**
   * Extra serializers and compressors that old entries may have been written with. The JSON serializer
   * and the configured serializer and compressor are always readers.
   */
  readers?: { serializers?: readonly Serializer[]; compressors?: readonly Compressor[] }
}

/** Counters a codec keeps about compression of the entries it wrote. */
export interface CodecStats {
  /** Entries written compressed. */
  compressed: number
  /** Entries written raw: at or below the threshold, no compressor, or incompressible. */
  uncompressed: number
  /** Entries above the threshold whose compressed form was not smaller, so they were written raw. */
  incompressible: number
  /** Serialized bytes of the entries written compressed, before compression. */
  bytesBeforeCompression: number
  /** Bytes of the same entries after compression. */
  bytesAfterCompression: number
}

/** A codec that also reports compression figures. */
export interface StatefulCodec extends Codec {
  /** A snapshot of the compression counters. */
  stats(): CodecStats
}

function invalid(message: string): never {
  throw new ValidationError(`createCodec: ${message}`, 'INVALID_OPTION')
}

function checkBytes(name: string, value: unknown, allowInfinity: boolean): number {
  const ok =
    typeof value === 'number' &&
    value >= 0 &&
    (Number.isInteger(value) || (allowInfinity && value === Number.POSITIVE_INFINITY))
  if (!ok)
    invalid(`option ${name} must be a non-negative integer of bytes${allowInfinity ? ' or Infinity' : ''}`)
  return value as number
}

function checkId(name: string, part: { id?: unknown } | undefined): void {
  if (part === undefined) return
  if (typeof part?.id !== 'string' || part.id === '' || utf8Length(part.id) > 255) {
    invalid(`${name}.id must be a non-empty string of at most 255 bytes`)
  }
}

function checkLevel(level: unknown, compressor: Compressor | undefined): number | undefined {
  if (level === undefined) return undefined
  if (!compressor) invalid('option compressionLevel needs a compressor')
  const range = compressor.levels
  if (typeof level !== 'number' || !Number.isInteger(level))
    invalid('option compressionLevel must be an integer')
  if (range && (level < range.min || level > range.max)) {
    invalid(`option compressionLevel must be between ${range.min} and ${range.max} for "${compressor.id}"`)
  }
  return level
}

// Bytes that cover every path of a CRC-32 implementation: empty, short, unaligned, long, all byte values.
const CRC_PROBE = Uint8Array.from({ length: 1031 }, (_, i) => (i * 167 + 13) & 0xff)

function checkCrc32(candidate: unknown): (bytes: Uint8Array) => number {
  if (candidate === undefined) return crc32
  if (typeof candidate !== 'function') invalid('option crc32 must be a function')
  const fn = candidate as (bytes: Uint8Array) => number
  for (const bytes of [CRC_PROBE.subarray(0, 0), CRC_PROBE.subarray(3, 12), CRC_PROBE.subarray(1)]) {
    let same = false
    try {
      same = fn(bytes) === crc32(bytes)
    } catch {}
    if (!same) invalid('option crc32 must compute the same CRC-32 (IEEE) as zlib')
  }
  return fn
}

/** The serializer and (for a compressed entry) the compressor that read one entry. */
interface Readers {
  serializerReader: Serializer
  compressorReader: Compressor | undefined
}

/** Composes serializer, compressor and encryptor into the envelope pipeline. */
export function createCodec(options: CodecOptions = {}): StatefulCodec {
  const serializer = options.serializer ?? jsonSerializer()
  const { compressor, encryptor } = options
  checkId('serializer', serializer)
  checkId('compressor', compressor)
  if (encryptor && (typeof encryptor.keyId !== 'string' || encryptor.keyId === '')) {
    invalid('encryptor.keyId must be a non-empty string')
  }
  const requireEncryption = options.requireEncryption ?? false
  if (requireEncryption && !encryptor) invalid('option requireEncryption needs an encryptor')
  const threshold = checkBytes(
    'compressionThreshold',
    options.compressionThreshold ?? CODEC_DEFAULTS.compressionThreshold,
    true,
  )
  const maxDecompressed = checkBytes(
    'maxDecompressedBytes',
    options.maxDecompressedBytes ?? CODEC_DEFAULTS.maxDecompressedBytes,
    false,
  )
  const level = checkLevel(options.compressionLevel, compressor)
  const checksum = checkCrc32(options.crc32)
  // Later entries win, so the configured serializer and compressor take precedence over readers.
  const serializers = new Map<string, Serializer>()
  for (const s of [jsonSerializer(), ...(options.readers?.serializers ?? []), serializer]) {
    checkId('readers.serializers[]', s)
    serializers.set(s.id, s)
  }
  const compressors = new Map<string, Compressor>()
  for (const c of [...(options.readers?.compressors ?? []), ...(compressor ? [compressor] : [])]) {
    checkId('readers.compressors[]', c)
    compressors.set(c.id, c)
  }
  const counters: CodecStats = {
    compressed: 0,
    uncompressed: 0,
    incompressible: 0,
    bytesBeforeCompression: 0,
    bytesAfterCompression: 0,
  }

  /** `payload` compressed, or `undefined` when it is written raw; counted either way. */
  const compress = (payload: Uint8Array): Uint8Array | undefined => {
    const packed = compressor && payload.length > threshold ? compressor.compress(payload, level) : undefined
    if (packed === undefined || packed.length >= payload.length) {
      // Incompressible data stays raw (and cached): a bigger "compressed" copy helps nobody.
      if (packed !== undefined) counters.incompressible++
      counters.uncompressed++
      return undefined
    }
    counters.compressed++
    counters.bytesBeforeCompression += payload.length
    counters.bytesAfterCompression += packed.length
    return packed
  }

  // Ids are encoded once here, so a write encodes none; reads match them without building strings.
  const keyId = encryptor ? encryptor.keyId : ''
  const rawIds = encodeIds(serializer.id, '', keyId)
  const packedIds: EncodedIds | undefined = compressor
    ? { ...rawIds, compressorId: encodeIds(serializer.id, compressor.id, keyId).compressorId }
    : undefined
  const expected: ExpectedIds = { serializerId: serializer.id, compressorId: compressor?.id ?? '', keyId }

  // What nearly every entry needs (this codec's own serializer, raw or with its own compressor): made once,
  // not per read. The configured serializer and compressor are the ones the maps hold for their ids.
  const rawReaders: Readers = { serializerReader: serializer, compressorReader: undefined }
  const packedReaders: Readers | undefined = compressor && {
    serializerReader: serializer,
    compressorReader: compressor,
  }
  const pickReaders = (envelope: ParsedEnvelope): Readers => {
    if (envelope.serializerId === serializer.id && !(envelope.flags & FLAG_ENCRYPTED) && !requireEncryption) {
      if (envelope.compressorId === '') return rawReaders
      if (envelope.compressorId === compressor?.id) return packedReaders!
    }
    const serializerReader = serializers.get(envelope.serializerId)
    if (!serializerReader) throw new CorruptEntryError(`Unknown serializer "${envelope.serializerId}"`)
    const compressorReader = envelope.compressorId ? compressors.get(envelope.compressorId) : undefined
    if (envelope.compressorId && !compressorReader) {
      throw new CorruptEntryError(`Unknown compressor "${envelope.compressorId}"`)
    }
    if (requireEncryption && !(envelope.flags & FLAG_ENCRYPTED)) {
      throw new CorruptEntryError('Entry is not encrypted and requireEncryption is set')
    }
    if (envelope.flags & FLAG_ENCRYPTED && !encryptor) {
      throw new CorruptEntryError('Entry is encrypted but no encryptor is configured')
    }
    return { serializerReader, compressorReader }
  }

  /** Decompresses (when flagged) and deserializes a plain (decrypted) body. */
  const decode = (plain: Uint8Array, envelope: ParsedEnvelope, readers: Readers): DecodedEntry => {
    let body = plain
    if (readers.compressorReader) {
      try {
        body = readers.compressorReader.decompress(body, maxDecompressed)
      } catch (error) {
        throw new CorruptEntryError('Cannot decompress entry', { cause: error })
      }
    }
    if (body.length > maxDecompressed) {
      throw new CorruptEntryError(`Entry payload is above maxDecompressedBytes (${maxDecompressed})`)
    }
    try {
      const value = readers.serializerReader.deserialize(body)
      if (readers.serializerReader !== serializer) return { value, meta: envelope.meta }
      // Not copied: a raw body is a view of the caller's bytes, and most readers never keep it (L1
      // keeps bytes only for values it cannot freeze, and copies them then). A copy per entry was a
      // quarter of the decoding cost of a batch read.
      return { value, meta: envelope.meta, payload: body }
    } catch (error) {
      throw new CorruptEntryError('Cannot deserialize entry', { cause: error })
    }
  }

  const openEncrypted = async (
    bytes: Uint8Array,
    envelope: ParsedEnvelope,
    readers: Readers,
    storeKey: string | undefined,
  ): Promise<DecodedEntry> => {
    let plain: Uint8Array
    try {
      plain = await encryptor!.decrypt(
        envelope.payload,
        envelope.keyId,
        boundData(bytes.subarray(0, envelope.headerEnd), storeKey),
      )
    } catch (error) {
      throw new CorruptEntryError(`Cannot decrypt entry (key id "${envelope.keyId}")`, { cause: error })
    }
    return decode(plain, envelope, readers)
  }

  // A payload no reader of these settings would open is refused, instead of written and then read as corrupt.
  const checkReadable = (payload: Uint8Array): void => {
    if (payload.length > maxDecompressed) {
      throw new ValidationError(
        `Entry payload is ${payload.length} bytes, above maxDecompressedBytes (${maxDecompressed}): it could never be read back`,
        'ENTRY_TOO_LARGE',
      )
    }
  }

  /**
   * What encryption authenticates besides the ciphertext: the header, then the key the entry is stored
   * under, so an entry copied to another key (or namespace) in L2 does not open there.
   */
  const boundData = (header: Uint8Array, storeKey: string | undefined): Uint8Array => {
    if (storeKey === undefined) return header
    const key = utf8Encode(storeKey)
    const out = new Uint8Array(header.length + key.length)
    out.set(header, 0)
    out.set(key, header.length)
    return out
  }

  /** Compresses (when worth it) and seals without encryption: every step synchronous. */
  const sealPlain = (payload: Uint8Array, meta: EntryMeta): Uint8Array => {
    checkReadable(payload)
    const packed = compress(payload)
    return packed
      ? sealEnvelope(FLAG_COMPRESSED, packedIds!, meta, packed, checksum)
      : sealEnvelope(0, rawIds, meta, payload, checksum)
  }

  return {
    serializer,
    async seal(payload: Uint8Array, meta: EntryMeta, storeKey?: string): Promise<Uint8Array> {
      if (!encryptor) return sealPlain(payload, meta)
      checkReadable(payload)
      const packed = compress(payload)
      const flags = (packed ? FLAG_COMPRESSED : 0) | FLAG_ENCRYPTED
      // The header is authenticated with the ciphertext: nobody can change expiry or tags unnoticed.
      const header = encodeHeaderWith(flags, packed ? packedIds! : rawIds, meta)
      return joinEnvelope(
        header,
        await encryptor.encrypt(packed ?? payload, boundData(header, storeKey)),
        checksum,
      )
    },
    sealSync: (payload: Uint8Array, meta: EntryMeta) => (encryptor ? undefined : sealPlain(payload, meta)),
    // Not async: an unencrypted entry (the common case) decodes synchronously into an already settled
    // promise, without the frame and extra promise of an async function on every L2 read.
    open(bytes: Uint8Array, storeKey?: string): Promise<DecodedEntry> {
      let envelope: ParsedEnvelope
      let readers: Readers
      try {
        envelope = parseEnvelope(bytes, checksum, expected)
        readers = pickReaders(envelope)
        if (!(envelope.flags & FLAG_ENCRYPTED))
          return Promise.resolve(decode(envelope.payload, envelope, readers))
      } catch (error) {
        return Promise.reject(error)
      }
      return openEncrypted(bytes, envelope, readers, storeKey)
    },
    openSync(bytes: Uint8Array): DecodedEntry | undefined {
      const envelope = parseEnvelope(bytes, checksum, expected)
      const readers = pickReaders(envelope)
      return envelope.flags & FLAG_ENCRYPTED ? undefined : decode(envelope.payload, envelope, readers)
    },
    stats: () => ({ ...counters }),
  }
}
