/** Turns values into bytes and back; knows nothing about tiers or expiry. */
export interface Serializer {
  /** Stable id written into every envelope so any reader can pick the right decoder. */
  readonly id: string
  /** Throws a `ValidationError` for values it cannot represent faithfully. */
  serialize(value: unknown): Uint8Array
  /** Throws on bytes it cannot read; the cache turns that into a miss. */
  deserialize(bytes: Uint8Array): unknown
}

/** Shrinks bytes; `decompress` must refuse to produce more than `maxBytes`. */
export interface Compressor {
  /** Stable id written into the envelope (for example `fflate-deflate`). */
  readonly id: string
  /** Levels `compress` accepts, if it has levels; `createCodec` checks `compressionLevel` against them. */
  readonly levels?: { readonly min: number; readonly max: number }
  /** Compresses at `level` (the compressor's own default when omitted). Never depends on the level to read back. */
  compress(bytes: Uint8Array, level?: number): Uint8Array
  /** Throws when the output would exceed `maxBytes` (a decompression bomb) or the input is corrupt. */
  decompress(bytes: Uint8Array, maxBytes: number): Uint8Array
}

/** Expiry and tags carried by every entry, in L1 and in the L2 envelope. */
export interface EntryMeta {
  /** Epoch ms when written. */
  createdAt: number
  /** Epoch ms after which the entry is stale; `Infinity` for no expiry. */
  expiresAt: number
  /** Epoch ms until which a stale entry may still be served by fail-safe (grace); >= expiresAt. */
  staleUntil: number
  tags: readonly string[]
}

/** The result of decoding an envelope. */
export interface DecodedEntry {
  value: unknown
  meta: EntryMeta
  /**
   * The serialized bytes, when written by the codec's current serializer (spares re-serializing for L1).
   * May be a view of the bytes given to `open`: copy it before keeping it.
   */
  payload?: Uint8Array
}

/** The pipeline between serialized bytes and what a store keeps: compression, encryption, envelope. */
export interface Codec {
  /** Serializer for new entries; L1 round-trips values through it so both tiers agree type for type. */
  readonly serializer: Serializer
  /**
   * Wraps a serialized payload and its meta into an envelope (compressing or encrypting as configured).
   * `storeKey` is the L2 key the entry goes to: an encrypted entry is bound to it, and opens only with it.
   */
  seal(payload: Uint8Array, meta: EntryMeta, storeKey?: string): Promise<Uint8Array>
  /**
   * Optional: `seal` without a promise when no step is asynchronous (no encryption); `undefined` when
   * `seal` must be used. Throws what `seal` rejects with. Every L2 write seals through it when it can.
   */
  sealSync?(payload: Uint8Array, meta: EntryMeta, storeKey?: string): Uint8Array | undefined
  /**
   * Opens an envelope written under any settings this codec knows; rejects with a `CorruptEntryError`.
   * `storeKey` is the L2 key the bytes were read from: an encrypted entry sealed under another key (or
   * under none) does not open.
   */
  open(bytes: Uint8Array, storeKey?: string): Promise<DecodedEntry>
  /**
   * Optional: `open` without a promise when no step is asynchronous (an unencrypted entry); `undefined`
   * when `open` must be used. Throws what `open` rejects with. Batch reads decode through it.
   */
  openSync?(bytes: Uint8Array, storeKey?: string): DecodedEntry | undefined
}

/** Optional encryption stage, applied after compression. */
export interface Encryptor {
  /** Id of the key used for new entries; written into the envelope so keys can rotate. */
  readonly keyId: string
  /** Encrypts with the current key; `aad` (the envelope header and the store key) is authenticated but not encrypted. */
  encrypt(plain: Uint8Array, aad: Uint8Array): Promise<Uint8Array>
  /** Rejects for an unknown key id, a wrong key, or a tampered ciphertext or `aad`. */
  decrypt(cipher: Uint8Array, keyId: string, aad: Uint8Array): Promise<Uint8Array>
}
