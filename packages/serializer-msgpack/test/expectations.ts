import type { SerializerConformanceOptions } from '@cache/conformance'

/** What msgpackSerializer declares for the tricky values (shown in the README). */
export const MSGPACK_EXPECTATIONS: SerializerConformanceOptions['expectations'] = {
  'lone-surrogate': 'rejects',
  'negative-zero': { becomes: 0, as: '`0`' },
  'sparse-array': { becomes: [1, undefined, 3], as: '`undefined` in the hole' },
  // msgpackr would read the key back as `__proto_` (its prototype-pollution guard): refused instead.
  'proto-key': 'rejects',
  // msgpackr's Error extension keeps name, message and cause only.
  'error-subclass': {
    becomes: Object.assign(new Error('down'), { name: 'HttpError' }),
    as: 'a plain `Error` with its name, message and cause (own fields and the subclass are lost)',
  },
  'class-instance': { becomes: { x: 1, y: 2 }, as: 'a plain object (own enumerable fields)' },
  'null-prototype': { becomes: { a: 1 }, as: 'a plain object' },
  function: 'rejects',
  'nested-function': 'rejects',
  symbol: 'rejects',
  'nested-symbol': 'rejects',
  cycle: 'rejects',
}
