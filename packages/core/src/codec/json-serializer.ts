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
  return {
    id: 'json',
    serialize(value) {
      let text: string | undefined
      const long = plainData(value, 0)
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
    },
    deserialize(bytes) {
      if (bytes[0] === LONG_STRINGS_MARKER) return deserializeWithLongStrings(bytes)
      return JSON.parse(utf8Decode(bytes))
    },
  }
}
