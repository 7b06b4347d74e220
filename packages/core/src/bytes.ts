const encoder = new TextEncoder()
const decoder = new TextDecoder('utf-8', { fatal: true })

/** `bytes`, copied when it is a view into a larger buffer (an L2 reply, an envelope) that must not be pinned or shared. */
export function ownBytes(bytes: Uint8Array): Uint8Array {
  return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : bytes.slice()
}

/** UTF-8 encodes a string. */
export function utf8Encode(text: string): Uint8Array {
  return encoder.encode(text)
}

/** Decodes UTF-8, throwing on invalid sequences (so corrupt bytes never become text silently). */
export function utf8Decode(bytes: Uint8Array): string {
  return decoder.decode(bytes)
}

const nativeWellFormed = (String.prototype as { isWellFormed?: () => boolean }).isWellFormed

/**
 * Whether `text` has no lone surrogate, so UTF-8 keeps it as is (`TextEncoder` and Redis clients write
 * U+FFFD for one, which would make two different keys or tags one). ES2024's `isWellFormed` where the
 * runtime has it: O(1) for V8's one-byte strings.
 */
export function isWellFormed(text: string): boolean {
  if (nativeWellFormed) return nativeWellFormed.call(text)
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i)
    if (code < 0xd800 || code > 0xdfff) continue
    const next = text.charCodeAt(i + 1)
    if (code > 0xdbff || !(next >= 0xdc00 && next <= 0xdfff)) return false
    i++
  }
  return true
}

/** Byte length of a string in UTF-8 without allocating. */
export function utf8Length(text: string): number {
  let length = 0
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i)
    if (code < 0x80) length += 1
    else if (code < 0x800) length += 2
    else if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length) {
      length += 4
      i++
    } else length += 3
  }
  return length
}

// Short texts are encoded into a shared block, as Node's Buffer pool does: one encodeInto into memory
// already there costs about a third of `encode`, which allocates a new ArrayBuffer (outside the JS heap)
// for every call. Handed-out ranges are never written again, except the free room each keeps around it.
const BLOCK_BYTES = 32 * 1024
let block = new Uint8Array(BLOCK_BYTES)
let blockUsed = 0
/** Where the short texts of the current block start (by offset) and end; each may be claimed once. */
let blockRooms = new Map<number, number>()
/**
 * The rooms of every block still referenced, so a text keeps its room after its block is replaced: a
 * batch write serializes all its values (often more than one block) before sealing any.
 */
const shortRooms = new WeakMap<ArrayBufferLike, Map<number, number>>([[block.buffer, blockRooms]])

/** Free bytes kept before a short encoded text: an envelope header with the JSON id and a few short tags. */
export const SHORT_ROOM_BEFORE = 64

/**
 * UTF-8 encodes a string like {@link utf8Encode}, into a view of a shared block when the text is short.
 * Later calls never overwrite the result, but it keeps its block (32 KB) alive while it is referenced:
 * meant for bytes that are copied or dropped soon (an entry on its way into an envelope), not kept.
 * Like long texts, a short one has free room around it ({@link claimRoom}): the envelope is then written
 * around it in the block, sparing a new ~1 KB array (and its copy) on every L2 write.
 */
export function utf8EncodeShort(text: string): Uint8Array {
  const maxBytes = text.length * 3
  if (maxBytes > BLOCK_BYTES / 4) return utf8EncodeWithRoom(text)
  if (blockUsed + SHORT_ROOM_BEFORE + maxBytes + ROOM_AFTER > BLOCK_BYTES) {
    block = new Uint8Array(BLOCK_BYTES)
    blockUsed = 0
    blockRooms = new Map()
    shortRooms.set(block.buffer, blockRooms)
  }
  const start = blockUsed + SHORT_ROOM_BEFORE
  const { written } = encoder.encodeInto(text, block.subarray(start))
  const end = start + written
  blockRooms.set(start, end)
  // 8-byte aligned starts keep word-wise readers (the CRC-32) on their fast path.
  blockUsed = (end + ROOM_AFTER + 7) & ~7
  return new Uint8Array(block.buffer, start, written)
}

/** Free bytes kept before a long encoded text: enough for an envelope header with ids and a few tags. */
export const ROOM_BEFORE = 512
/** Free bytes kept after a long encoded text: the envelope's CRC-32. */
export const ROOM_AFTER = 4
// Buffers with room around their text, and where the text starts. Claimed once, so two envelopes never
// share (and overwrite) the same room.
const roomy = new WeakMap<ArrayBufferLike, number>()

/**
 * UTF-8 encodes a long text into a buffer of its own with free room around it, so an envelope can be
 * written around the bytes in place ({@link claimRoom}) instead of copying them: `encode` allocates
 * outside the JS heap and costs about 6x `encodeInto` on 100 KB, and the copy another 100 KB per write.
 */
function utf8EncodeWithRoom(text: string): Uint8Array {
  const writer = new RoomyWriter(text.length)
  writer.text(text)
  return writer.finish()
}

/**
 * True (once) when `bytes` came from {@link utf8EncodeShort} with at least `before` free bytes before it
 * and `after` after it in its buffer: the caller may then write there. Any other bytes return false.
 */
export function claimRoom(bytes: Uint8Array, before: number, after: number): boolean {
  const rooms = bytes.buffer === block.buffer ? blockRooms : shortRooms.get(bytes.buffer)
  if (rooms !== undefined) return claimShortRoom(rooms, bytes, before, after)
  const start = roomy.get(bytes.buffer)
  if (start === undefined || start !== bytes.byteOffset) return false
  if (before > start || bytes.buffer.byteLength - start - bytes.length < after) return false
  roomy.delete(bytes.buffer)
  return true
}

/** {@link claimRoom} for a short text of a shared block: only the whole text, once. */
function claimShortRoom(
  rooms: Map<number, number>,
  bytes: Uint8Array,
  before: number,
  after: number,
): boolean {
  const start = bytes.byteOffset
  if (before > SHORT_ROOM_BEFORE || after > ROOM_AFTER || rooms.get(start) !== start + bytes.length)
    return false
  rooms.delete(start)
  return true
}

/**
 * Writes bytes and UTF-8 texts one after another into one buffer with room around the result, like
 * the long texts of {@link utf8EncodeShort}: the envelope then goes around it without a copy.
 */
export class RoomyWriter {
  #buffer: Uint8Array
  #end = ROOM_BEFORE

  /** `expected`: the likely byte length (ASCII texts); the buffer grows past it when needed. */
  constructor(expected: number) {
    this.#buffer = new Uint8Array(ROOM_BEFORE + expected + ROOM_AFTER)
  }

  byte(value: number): void {
    this.#reserve(1)
    this.#buffer[this.#end++] = value
  }

  /** Big-endian, as the envelope's own fields. */
  uint32(value: number): void {
    this.#reserve(4)
    const at = this.#end
    this.#buffer[at] = value >>> 24
    this.#buffer[at + 1] = value >>> 16
    this.#buffer[at + 2] = value >>> 8
    this.#buffer[at + 3] = value
    this.#end += 4
  }

  /** Writes `text` as UTF-8 and returns its byte length. */
  text(text: string): number {
    this.#reserve(text.length)
    const start = this.#end
    const first = encoder.encodeInto(text, this.#buffer.subarray(start, this.#buffer.length - ROOM_AFTER))
    let written = first.written
    if (first.read < text.length) {
      this.#end = start + written
      this.#reserve((text.length - first.read) * 3)
      // encodeInto never splits a surrogate pair, so the rest starts on a whole character.
      const rest = this.#buffer.subarray(this.#end, this.#buffer.length - ROOM_AFTER)
      written += encoder.encodeInto(text.slice(first.read), rest).written
    }
    this.#end = start + written
    return written
  }

  /** The bytes written, with their room claimable once through {@link claimRoom}. */
  finish(): Uint8Array {
    roomy.set(this.#buffer.buffer, ROOM_BEFORE)
    return new Uint8Array(this.#buffer.buffer, ROOM_BEFORE, this.#end - ROOM_BEFORE)
  }

  #reserve(bytes: number): void {
    const needed = this.#end + bytes + ROOM_AFTER
    if (needed <= this.#buffer.length) return
    const bigger = new Uint8Array(Math.max(needed, this.#buffer.length * 2))
    bigger.set(this.#buffer.subarray(0, this.#end))
    this.#buffer = bigger
  }
}
