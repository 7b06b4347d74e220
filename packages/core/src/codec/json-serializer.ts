import { utf8Decode, utf8Encode } from '../bytes'
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
 * The default serializer: JSON text. Dates come back as ISO strings, `undefined` object fields
 * are dropped, `NaN`/`Infinity`/`-0` become `null`/`null`/`0`, class instances plain objects; in L1
 * and L2 alike. Values JSON would drop or mangle silently (Map, Set, BigInt, binary, RegExp, Error,
 * functions, symbols, cycles) are a `ValidationError`.
 */
export function jsonSerializer(): Serializer {
  return {
    id: 'json',
    serialize(value) {
      let text: string | undefined
      try {
        text = JSON.stringify(value, replacer)
      } catch (error) {
        if (error instanceof ValidationError) throw error
        throw new ValidationError(`Cannot cache this value: ${(error as Error).message}`, 'INVALID_VALUE', {
          cause: error,
        })
      }
      if (text === undefined) reject(`a value of type ${typeof value}`)
      return utf8Encode(text)
    },
    deserialize(bytes) {
      return JSON.parse(utf8Decode(bytes))
    },
  }
}
