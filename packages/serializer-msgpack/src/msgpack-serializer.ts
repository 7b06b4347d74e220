import { type Serializer, ValidationError } from '@cache/core'
import { Packr } from 'msgpackr'

const NodeBuffer = (globalThis as { Buffer?: { from(b: ArrayBufferLike, o: number, l: number): Uint8Array } })
  .Buffer

function reject(what: string, cause?: unknown): never {
  throw new ValidationError(
    `Cannot cache ${what} with the msgpack serializer`,
    'INVALID_VALUE',
    cause === undefined ? undefined : { cause },
  )
}

// Only strings msgpack cannot represent: a lone surrogate would come back as U+FFFD.
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/

function hasLoneSurrogate(value: unknown, seen = new Set<unknown>()): boolean {
  if (typeof value === 'string') return LONE_SURROGATE.test(value)
  if (value === null || typeof value !== 'object' || seen.has(value) || ArrayBuffer.isView(value))
    return false
  seen.add(value)
  if (value instanceof Map) {
    for (const [k, v] of value) if (hasLoneSurrogate(k, seen) || hasLoneSurrogate(v, seen)) return true
    return false
  }
  if (value instanceof Set || Array.isArray(value)) {
    for (const item of value) if (hasLoneSurrogate(item, seen)) return true
    return false
  }
  for (const [k, v] of Object.entries(value)) {
    if (LONE_SURROGATE.test(k) || hasLoneSurrogate(v, seen)) return true
  }
  return false
}

// The UTF-8 bytes of U+FFFD: lone surrogates are encoded as these, so only then is a walk needed.
function containsReplacementChar(bytes: Uint8Array): boolean {
  return containsBytes(bytes, REPLACEMENT_CHAR)
}

const REPLACEMENT_CHAR = Uint8Array.of(0xef, 0xbf, 0xbd)
const PROTO_KEY = new TextEncoder().encode('__proto__')

function containsBytes(bytes: Uint8Array, needle: Uint8Array): boolean {
  const first = needle[0]!
  for (
    let i = bytes.indexOf(first);
    i !== -1 && i <= bytes.length - needle.length;
    i = bytes.indexOf(first, i + 1)
  ) {
    let j = 1
    while (j < needle.length && bytes[i + j] === needle[j]) j++
    if (j === needle.length) return true
  }
  return false
}

// msgpackr decodes an own "__proto__" key as "__proto_" (its guard against prototype pollution), so
// such an object cannot round-trip. Only entries whose bytes hold the name need the walk.
function hasOwnProtoKey(value: unknown, seen = new Set<unknown>()): boolean {
  if (value === null || typeof value !== 'object' || seen.has(value) || ArrayBuffer.isView(value))
    return false
  seen.add(value)
  if (value instanceof Map) {
    for (const [k, v] of value) if (hasOwnProtoKey(k, seen) || hasOwnProtoKey(v, seen)) return true
    return false
  }
  if (value instanceof Set || Array.isArray(value)) {
    for (const item of value) if (hasOwnProtoKey(item, seen)) return true
    return false
  }
  if (Object.hasOwn(value, '__proto__')) return true
  for (const v of Object.values(value)) if (hasOwnProtoKey(v, seen)) return true
  return false
}

/**
 * A msgpackr serializer: Date, Map, Set, BigInt (any size), typed arrays, Buffers, RegExp, `undefined` and
 * nested structures round-trip exactly, in L1 and L2 alike; an Error keeps its name, message and cause
 * (not its other own fields or its subclass). Functions, symbols, cycles, strings with lone surrogates and
 * objects with an own `__proto__` key are a `ValidationError`.
 */
export function msgpackSerializer(): Serializer {
  const packr = new Packr({
    // Records keep plain objects apart from Maps; their definitions travel inside each entry.
    useRecords: true,
    // Typed arrays, Buffers and BigInts beyond 64 bits get their own extensions.
    moreTypes: true,
    int64AsType: 'bigint',
    // Decoded binary must not alias the stored bytes, or a caller could change what L1 holds.
    copyBuffers: true,
    writeFunction: () => reject('a function'),
  })

  return {
    id: 'msgpackr',
    serialize(value) {
      let packed: Uint8Array
      try {
        packed = packr.pack(value)
      } catch (error) {
        if (error instanceof ValidationError) throw error
        if (error instanceof RangeError) reject('a circular or too deeply nested value', error)
        reject(`this value (${(error as Error).message})`, error)
      }
      if (containsReplacementChar(packed) && hasLoneSurrogate(value)) reject('a string with a lone surrogate')
      if (containsBytes(packed, PROTO_KEY) && hasOwnProtoKey(value))
        reject('an object with an own "__proto__" key (msgpackr would read it back as "__proto_")')
      // pack() returns a Buffer view of a shared scratch buffer: copy into a plain Uint8Array of its own.
      return new Uint8Array(packed)
    },
    deserialize(bytes) {
      // msgpackr decodes binary as the type of its input, so a Buffer view (where Buffer exists) makes a
      // Buffer come back as a Buffer whichever store returned the bytes. The throwaway view also keeps
      // unpack() from caching a DataView on the caller's bytes.
      const view = NodeBuffer
        ? NodeBuffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
        : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength)
      return packr.unpack(view)
    },
  }
}
