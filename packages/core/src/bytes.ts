const encoder = new TextEncoder()
const decoder = new TextDecoder('utf-8', { fatal: true })

/** UTF-8 encodes a string. */
export function utf8Encode(text: string): Uint8Array {
  return encoder.encode(text)
}

/** Decodes UTF-8, throwing on invalid sequences (so corrupt bytes never become text silently). */
export function utf8Decode(bytes: Uint8Array): string {
  return decoder.decode(bytes)
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
// for every call. Handed-out ranges are never written again.
const BLOCK_BYTES = 32 * 1024
let block = new Uint8Array(BLOCK_BYTES)
let blockUsed = 0

/**
 * UTF-8 encodes a string like {@link utf8Encode}, into a view of a shared block when the text is short.
 * Later calls never overwrite the result, but it keeps its block (32 KB) alive while it is referenced:
 * meant for bytes that are copied or dropped soon (an entry on its way into an envelope), not kept.
 */
export function utf8EncodeShort(text: string): Uint8Array {
  const maxBytes = text.length * 3
  if (maxBytes > BLOCK_BYTES / 4) return encoder.encode(text)
  if (blockUsed + maxBytes > BLOCK_BYTES) {
    block = new Uint8Array(BLOCK_BYTES)
    blockUsed = 0
  }
  const start = blockUsed
  const { written } = encoder.encodeInto(text, start === 0 ? block : block.subarray(start))
  // 8-byte aligned starts keep word-wise readers (the CRC-32) on their fast path.
  blockUsed = (start + written + 7) & ~7
  return new Uint8Array(block.buffer, start, written)
}
