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
