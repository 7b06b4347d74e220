import type { Codec, Compressor, DecodedEntry, Encryptor, EntryMeta, Serializer } from '../contracts/codec'
import { CODEC_DEFAULTS } from '../defaults'
import { CorruptEntryError, ValidationError } from '../errors'
import { FLAG_COMPRESSED, FLAG_ENCRYPTED, readEnvelope, writeEnvelope } from './envelope'
import { jsonSerializer } from './json-serializer'

/** Options for {@link createCodec}. */
export interface CodecOptions {
  /** Serializer for new entries. @default jsonSerializer() */
  serializer?: Serializer
  /** Compressor for payloads above `compressionThreshold`; none by default. */
  compressor?: Compressor
  /** Payloads larger than this many bytes are compressed. @default 1024 */
  compressionThreshold?: number
  /** Decompression refuses to produce more than this many bytes. @default 64 MiB */
  maxDecompressedBytes?: number
  /** Optional encryption after compression. */
  encryptor?: Encryptor
  /** Extra serializers and compressors that old entries may have been written with. */
  readers?: { serializers?: Serializer[]; compressors?: Compressor[] }
}

/** Counters a codec keeps about compression. */
export interface CodecStats {
  compressed: number
  uncompressed: number
  bytesBeforeCompression: number
  bytesAfterCompression: number
}

/** A codec that also reports compression figures. */
export interface StatefulCodec extends Codec {
  stats(): CodecStats
}

function checkByteOption(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw new ValidationError(
      `createCodec option ${name} must be a non-negative integer of bytes`,
      'INVALID_OPTION',
    )
  }
  return value
}

/** Composes serializer, compressor and encryptor into the envelope pipeline. */
export function createCodec(options: CodecOptions = {}): StatefulCodec {
  const serializer = options.serializer ?? jsonSerializer()
  const compressor = options.compressor
  const threshold = checkByteOption(
    'compressionThreshold',
    options.compressionThreshold ?? CODEC_DEFAULTS.compressionThreshold,
  )
  const maxDecompressed = checkByteOption(
    'maxDecompressedBytes',
    options.maxDecompressedBytes ?? CODEC_DEFAULTS.maxDecompressedBytes,
  )
  const encryptor = options.encryptor
  const serializers = new Map<string, Serializer>()
  for (const s of [...(options.readers?.serializers ?? []), serializer]) serializers.set(s.id, s)
  const compressors = new Map<string, Compressor>()
  for (const c of [...(options.readers?.compressors ?? []), ...(compressor ? [compressor] : [])]) {
    compressors.set(c.id, c)
  }
  const counters: CodecStats = {
    compressed: 0,
    uncompressed: 0,
    bytesBeforeCompression: 0,
    bytesAfterCompression: 0,
  }

  return {
    serializer,
    async seal(payload: Uint8Array, meta: EntryMeta): Promise<Uint8Array> {
      let body = payload
      let flags = 0
      let compressorId = ''
      if (compressor && payload.length > threshold) {
        const packed = compressor.compress(payload)
        counters.compressed++
        counters.bytesBeforeCompression += payload.length
        counters.bytesAfterCompression += packed.length
        // Incompressible data stays raw: a bigger "compressed" copy helps nobody.
        if (packed.length < payload.length) {
          body = packed
          flags |= FLAG_COMPRESSED
          compressorId = compressor.id
        }
      } else {
        counters.uncompressed++
      }
      let keyId = ''
      if (encryptor) {
        body = await encryptor.encrypt(body)
        flags |= FLAG_ENCRYPTED
        keyId = encryptor.keyId
      }
      return writeEnvelope({ flags, serializerId: serializer.id, compressorId, keyId, meta, payload: body })
    },
    async open(bytes: Uint8Array): Promise<DecodedEntry> {
      const envelope = readEnvelope(bytes)
      let body = envelope.payload
      if (envelope.flags & FLAG_ENCRYPTED) {
        if (!encryptor) throw new CorruptEntryError('Entry is encrypted but no encryptor is configured')
        try {
          body = await encryptor.decrypt(body, envelope.keyId)
        } catch (error) {
          throw new CorruptEntryError(`Cannot decrypt entry (key id "${envelope.keyId}")`, { cause: error })
        }
      }
      if (envelope.flags & FLAG_COMPRESSED) {
        const reader = compressors.get(envelope.compressorId)
        if (!reader) throw new CorruptEntryError(`Unknown compressor "${envelope.compressorId}"`)
        try {
          body = reader.decompress(body, maxDecompressed)
        } catch (error) {
          throw new CorruptEntryError('Cannot decompress entry', { cause: error })
        }
      }
      const reader = serializers.get(envelope.serializerId)
      if (!reader) throw new CorruptEntryError(`Unknown serializer "${envelope.serializerId}"`)
      try {
        return { value: reader.deserialize(body), meta: envelope.meta }
      } catch (error) {
        throw new CorruptEntryError('Cannot deserialize entry', { cause: error })
      }
    },
    stats: () => ({ ...counters }),
  }
}
