/** A value serializers tend to get wrong, with a name expectations refer to and a label for docs. */
export interface TrickyValue {
  readonly name: string
  readonly label: string
  /** A fresh instance per call, so one test cannot change what another sees. */
  make(): unknown
}

const cycle = () => {
  const node: Record<string, unknown> = { name: 'loop' }
  node.self = node
  return node
}

const deep = (depth: number) => {
  let value: unknown = 'bottom'
  for (let i = 0; i < depth; i++) value = { level: i, next: value }
  return value
}

const sparse = () => {
  const holes: unknown[] = [1]
  holes[2] = 3
  return holes
}

const protoKey = () => JSON.parse('{"__proto__": {"polluted": true}, "ok": 1}') as unknown

/** The table every serializer is checked against, in the order docs list them. */
export const TRICKY_VALUES: readonly TrickyValue[] = [
  { name: 'string', label: 'string (ASCII)', make: () => 'hello' },
  { name: 'empty-string', label: "empty string ''", make: () => '' },
  {
    name: 'unicode',
    label: 'unicode (accents, CJK, emoji, U+2028, NUL)',
    make: () => 'Zoë 日本語 🌍👩‍👩‍👧 \u2028 \u0000 end',
  },
  { name: 'lone-surrogate', label: 'string with a lone surrogate', make: () => 'a\ud800b' },
  { name: 'replacement-char', label: 'string with U+FFFD', make: () => 'a\ufffdb' },
  { name: 'long-string', label: 'string of 1 MiB', make: () => 'lorem ipsum '.repeat(87_382) },
  {
    name: 'integers',
    label: 'integers (0, ±2^31, ±MAX_SAFE_INTEGER)',
    make: () => [0, 1, -1, 2 ** 31, -(2 ** 31), Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER],
  },
  {
    name: 'floats',
    label: 'floats (0.1, 1e300, 5e-324)',
    make: () => [0.1, -2.5, 1e300, 5e-324, 2 ** 53 + 2],
  },
  { name: 'negative-zero', label: '-0', make: () => -0 },
  { name: 'nan', label: 'NaN', make: () => Number.NaN },
  { name: 'infinity', label: '±Infinity', make: () => [Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY] },
  { name: 'booleans-null', label: 'true, false, null', make: () => [true, false, null] },
  { name: 'empty-containers', label: 'empty object and array', make: () => ({ o: {}, a: [] }) },
  {
    name: 'nested',
    label: 'nested objects and arrays',
    make: () => ({ user: { id: 7, roles: ['a', 'b'], prefs: { dark: true, n: [1, [2, [3]]] } } }),
  },
  { name: 'deep-nesting', label: 'nesting 500 levels deep', make: () => deep(500) },
  {
    name: 'large-array',
    label: 'array of 100k numbers',
    make: () => Array.from({ length: 100_000 }, (_, i) => i * 1.5),
  },
  {
    name: 'undefined-property',
    label: 'object property set to undefined',
    make: () => ({ a: 1, b: undefined }),
  },
  { name: 'undefined-in-array', label: 'undefined inside an array', make: () => [1, undefined, 3] },
  { name: 'sparse-array', label: 'sparse array (hole)', make: sparse },
  { name: 'proto-key', label: 'own `__proto__` key (from JSON.parse)', make: protoKey },
  { name: 'date', label: 'Date', make: () => new Date(Date.UTC(2024, 1, 29, 12, 30, 15, 123)) },
  { name: 'invalid-date', label: 'invalid Date', make: () => new Date(Number.NaN) },
  {
    name: 'map',
    label: 'Map (non-string keys)',
    make: () =>
      new Map<unknown, unknown>([
        [1, 'one'],
        ['k', { v: [1] }],
        [true, null],
      ]),
  },
  { name: 'set', label: 'Set', make: () => new Set<unknown>([1, 'two', true]) },
  {
    name: 'nested-collections',
    label: 'Map of Sets of Dates in an object',
    make: () => ({ m: new Map([['days', new Set([new Date(0), new Date(86_400_000)])]]) }),
  },
  { name: 'bigint', label: 'BigInt (64-bit)', make: () => [0n, -42n, 2n ** 63n - 1n] },
  { name: 'big-bigint', label: 'BigInt beyond 64 bits', make: () => [2n ** 100n, -(3n ** 90n)] },
  { name: 'uint8array', label: 'Uint8Array', make: () => new Uint8Array([0, 1, 254, 255]) },
  {
    name: 'buffer',
    label: 'Node Buffer',
    make: () => (globalThis.Buffer ? globalThis.Buffer.from('héllo') : new Uint8Array([1])),
  },
  {
    name: 'typed-arrays',
    label: 'Float64Array, Int32Array, BigInt64Array',
    make: () => [new Float64Array([1.5, -0.25]), new Int32Array([-1, 2 ** 30]), new BigInt64Array([-5n])],
  },
  { name: 'array-buffer', label: 'ArrayBuffer', make: () => new Uint8Array([9, 8, 7]).buffer },
  { name: 'regexp', label: 'RegExp', make: () => /ca(c)he/gi },
  { name: 'error', label: 'Error', make: () => new Error('boom') },
  {
    name: 'error-subclass',
    label: 'Error subclass with own fields (`code`)',
    make: () =>
      Object.assign(
        new (class HttpError extends Error {
          override name = 'HttpError'
        })('down'),
        { code: 'E_DOWN' },
      ),
  },
  {
    name: 'class-instance',
    label: 'class instance',
    make: () =>
      new (class Point {
        x = 1
        y = 2
      })(),
  },
  {
    name: 'null-prototype',
    label: 'object with a null prototype',
    make: () => Object.assign(Object.create(null) as object, { a: 1 }),
  },
  { name: 'function', label: 'function', make: () => () => 1 },
  { name: 'nested-function', label: 'function inside an object', make: () => ({ ok: 1, fn: () => 1 }) },
  { name: 'symbol', label: 'symbol', make: () => Symbol('s') },
  { name: 'nested-symbol', label: 'symbol inside an array', make: () => [1, Symbol('s')] },
  { name: 'cycle', label: 'circular reference', make: cycle },
]
