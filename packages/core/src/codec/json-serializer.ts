import { utf8Decode, utf8EncodeShort } from '../bytes'
import type { Serializer } from '../contracts/codec'
import { ValidationError } from '../errors'

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
 * True when `value` is plain JSON data (plain objects, arrays, strings, finite-or-not numbers, booleans,
 * null, undefined fields) up to a modest depth: then `JSON.stringify` without the replacer gives the
 * same text, on V8's fast path (several times faster than calling a replacer for every field).
 */
function isPlainData(value: unknown, depth: number): boolean {
  if (value === null) return true
  switch (typeof value) {
    case 'string':
    case 'number':
    case 'boolean':
    case 'undefined':
      return true
    case 'object': {
      // Deep (or cyclic) values take the checked path, which reports cycles as a ValidationError.
      if (depth > 32) return false
      if (Array.isArray(value)) {
        for (const item of value) if (!isPlainData(item, depth + 1)) return false
        return true
      }
      const proto = Object.getPrototypeOf(value)
      if (proto !== Object.prototype && proto !== null) return false
      for (const key in value) {
        if (!isPlainData((value as Record<string, unknown>)[key], depth + 1)) return false
      }
      return true
    }
    default:
      return false
  }
}

/**
 * The default serializer: JSON text. Dates come back as ISO strings, `undefined` object fields
 * are dropped, `NaN`/`Infinity`/`-0` become `null`/`null`/`0`, class instances plain objects; in L1
 * and L2 alike. Values JSON would drop or mangle silently (Map, Set, BigInt, binary, RegExp, Error,
 * functions, symbols, cycles) are a `ValidationError`. Short results are views of a shared 32 KB block
 * (never overwritten): copy one before keeping it for long. Long ones are views of their own buffer
 * with free room around them, where the codec writes the envelope instead of copying the text.
 */
export function jsonSerializer(): Serializer {
  return {
    id: 'json',
    serialize(value) {
      let text: string | undefined
      try {
        text = isPlainData(value, 0) ? JSON.stringify(value) : JSON.stringify(value, replacer)
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
      return JSON.parse(utf8Decode(bytes))
    },
  }
}
