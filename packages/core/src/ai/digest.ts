import { sha256 } from '@noble/hashes/sha2'
import { utf8Encode } from '../bytes'

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'))

/** Lower-case hex of some bytes. */
export function toHex(bytes: Uint8Array): string {
  let out = ''
  for (const byte of bytes) out += HEX[byte]
  return out
}

/**
 * SHA-256 of bytes or of a string's UTF-8, as 64 hex characters.
 * Synchronous on purpose (pure JS, @noble/hashes): Web Crypto's digest is async only, which would make
 * every key computation, and `explain`, async.
 */
export function sha256Hex(input: Uint8Array | string): string {
  return toHex(sha256(typeof input === 'string' ? utf8Encode(input) : input))
}
