import { utf8Decode, utf8EncodeShort } from '../bytes'
import type { Serializer } from '../contracts/codec'
import { ValidationError } from '../errors'
import {
  deserializeWithLongStrings,
  LONG_STRING_CHARS,
  LONG_STRINGS_MARKER,
  serializeWithLongStrings,
} from './long-strings'

function reject(what: string): never {
  throw new ValidationError(
    `Cannot cache ${what} with the JSON serializer; use @cache/serializer-msgpack for rich types`,
    'INVALID_VALUE',
  )
}

// Refuses values JSON would silently drop or mangle, so the cache never stores something else than given.
function replacer(this: unknown, key: string, value: unknown): unknown {
  switch (typeof value) {
    case 'function':
      return reject('a function')
    case 'symbol':
      return reject('a symbol')
    case 'bigint':
      return reject('a BigInt')
    case 'object': {
      // `value` is already the result of toJSON (a Buffer arrives as { type, data }): check the original.
      const original = (this as Record<string, unknown>)[key]
      if (original instanceof Map) reject('a Map')
      if (original instanceof Set) reject('a Set')
      if (ArrayBuffer.isView(original)) reject('a typed array or Buffer')
      // These would silently become {} in JSON.
      if (original instanceof ArrayBuffer) reject('an ArrayBuffer')
      if (original instanceof RegExp) reject('a RegExp')
      if (original instanceof Error) reject('an Error')
      if (original instanceof WeakMap || original instanceof WeakSet || original instanceof Promise) {
        reject('a WeakMap, WeakSet or Promise')
      }
      return value
    }
    default:
      return value
  }
}

/**
 * The number of long strings ({@link LONG_STRING_CHARS}) in `value` when it is plain JSON data (plain
 * objects, arrays, strings, finite-or-not numbers, booleans, null, undefined fields) up to a modest
 * depth, else -1. For plain data `JSON.stringify` without the replacer gives the same text, on V8's fast
 * path (several times faster than calling a replacer for every field).
 */
function plainData(value: unknown, depth: number): number {
  if (value === null) return 0
  switch (typeof value) {
    case 'string':
      return value.length >= LONG_STRING_CHARS ? 1 : 0
    case 'number':
    case 'boolean':
    case 'undefined':
      return 0
    case 'object': {
      // Deep (or cyclic) values take the checked path, which reports cycles as a ValidationError.
      if (depth > 32) return -1
      let long = 0
      if (Array.isArray(value)) {
        for (const item of value) {
          const inner = plainData(item, depth + 1)
          if (inner < 0) return -1
          long += inner
        }
        return long
      }
      const proto = Object.getPrototypeOf(value)
      if (proto !== Object.prototype && proto !== null) return -1
      for (const key in value) {
        const inner = plainData((value as Record<string, unknown>)[key], depth + 1)
        if (inner < 0) return -1
        long += inner
      }
      return long
    }
    default:
      return -1
  }
}

/** `value` serialized; `long` is what {@link plainData} says of it (the long strings in it, or -1). */
function serializeJson(value: unknown, long: number): Uint8Array {
  let text: string | undefined
  if (long > 0) {
    const bytes = serializeWithLongStrings(value)
    if (bytes) return bytes
  }
  try {
    text = long >= 0 ? JSON.stringify(value) : JSON.stringify(value, replacer)
  } catch (error) {
    if (error instanceof ValidationError) throw error
    throw new ValidationError(`Cannot cache this value: ${(error as Error).message}`, 'INVALID_VALUE', {
      cause: error,
    })
  }
  if (text === undefined) reject(`a value of type ${typeof value}`)
  // Serialized bytes are copied into an envelope or dropped right away (L1 copies what it keeps).
  return utf8EncodeShort(text)
}

/**
 * The default serializer: JSON text. Dates come back as ISO strings, `undefined` object fields
 * are dropped, `NaN`/`Infinity`/`-0` become `null`/`null`/`0`, class instances plain objects; in L1
 * and L2 alike. Values JSON would drop or mangle silently (Map, Set, BigInt, binary, RegExp, Error,
 * functions, symbols, cycles) are a `ValidationError`. Strings of 2,048 characters and more in plain
 * data are stored as raw UTF-8 beside the JSON text, because Node 20's `JSON.stringify` copies a long
 * string a character at a time (W5 in `apps/bench` shows the effect). Such payloads start with the byte
 * 0x01, which JSON never does. Short results are views of a shared 32 KB block (never overwritten): copy
 * one before keeping it for long. Long ones are views of their own buffer
 * with free room around them, where the codec writes the envelope instead of copying the text.
 */
export function jsonSerializer(): Serializer {
  const serializer: Serializer = {
    id: 'json',
    serialize: (value) => serializeJson(value, plainData(value, 0)),
    deserialize(bytes) {
      if (bytes[0] === LONG_STRINGS_MARKER) return deserializeWithLongStrings(bytes)
      return JSON.parse(utf8Decode(bytes))
    },
  }
  jsonSerializers.add(serializer)
  return serializer
}

/** The serializers made by {@link jsonSerializer}: the ones whose round trip {@link serializeCopy} knows. */
const jsonSerializers = new WeakSet<Serializer>()

/** Marks a part of a value that the copy cannot reproduce; the caller then decodes the payload. */
const NOT_PLAIN: unique symbol = Symbol('not plain')

/**
 * `value` serialized together with `decoded`, a copy of it as `serializer.deserialize(payload)` would
 * return it, built without decoding; `undefined` when `serializer` is not a {@link jsonSerializer} or
 * `value` is not plain data (serialize it as usual then). The copy is about five times faster than
 * parsing a 1 KB entry and shares strings rather than copying them. It is the copy that is serialized:
 * every field is read once, so what is stored and what callers get cannot differ even where a getter or
 * proxy would answer differently the second time, and its walk stands in for {@link plainData}'s.
 */
export function serializeCopy(
  serializer: Serializer,
  value: unknown,
): { payload: Uint8Array; decoded: unknown } | undefined {
  if (!jsonSerializers.has(serializer)) return undefined
  const found = { long: 0 }
  const decoded = jsonCopy(value, 0, found)
  if (decoded === NOT_PLAIN) return undefined
  return { payload: serializeJson(decoded, found.long), decoded }
}

/**
 * `value` as `JSON.parse(JSON.stringify(value))` gives it, for plain data; else {@link NOT_PLAIN}. Counts
 * the long strings it copies in `found`, as {@link plainData} would on the copy.
 */
function jsonCopy(value: unknown, depth: number, found: { long: number }): unknown {
  switch (typeof value) {
    case 'string':
      if (value.length >= LONG_STRING_CHARS) found.long++
      return value
    case 'boolean':
      return value
    case 'number':
      // JSON writes NaN and the infinities as null, and -0 as 0.
      return Number.isFinite(value) ? value + 0 : null
    case 'object': {
      if (value === null) return null
      // Deep (or cyclic) values are left to the decode, as they are to the checked serializer.
      if (depth > 32) return NOT_PLAIN
      if (Array.isArray(value)) {
        // JSON.stringify honours an array's `toJSON` too (own or on Array.prototype): left to the decode.
        if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return NOT_PLAIN
        // Filled by push, so the copy is a packed array as JSON.parse makes it, never a holey one.
        const copy: unknown[] = []
        for (let i = 0; i < value.length; i++) {
          const item = value[i]
          // JSON writes an undefined item (or a hole) as null.
          const inner = item === undefined ? null : jsonCopy(item, depth + 1, found)
          if (inner === NOT_PLAIN) return NOT_PLAIN
          copy.push(inner)
        }
        return copy
      }
      const proto = Object.getPrototypeOf(value)
      if (proto !== Object.prototype && proto !== null) return NOT_PLAIN
      const record = value as Record<string, unknown>
      // A `toJSON` (own, or planted on Object.prototype) decides what JSON writes: left to the decode.
      if (typeof record.toJSON === 'function') return NOT_PLAIN
      const copy: Record<string, unknown> = {}
      // Own enumerable string keys, in JSON.stringify's order; JSON drops undefined fields.
      for (const key of Object.keys(record)) {
        const field = record[key]
        if (field === undefined) continue
        const inner = jsonCopy(field, depth + 1, found)
        if (inner === NOT_PLAIN) return NOT_PLAIN
        // JSON.parse makes `__proto__` an own field; an assignment would set the prototype instead.
        if (key === '__proto__') {
          Object.defineProperty(copy, key, {
            value: inner,
            enumerable: true,
            writable: true,
            configurable: true,
          })
        } else copy[key] = inner
      }
      return copy
    }
    default:
      // Functions, symbols and BigInts: the serializer refuses them (or JSON drops them).
      return NOT_PLAIN
  }
}
