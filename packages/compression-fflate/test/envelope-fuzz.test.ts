import {
  type Codec,
  CorruptEntryError,
  createCache,
  createCodec,
  encodeEnvelopeHeader,
  joinEnvelope,
  readEnvelope,
  webCryptoEncryptor,
} from '@cache/core'
import { memoryStore } from '@cache/memory'
import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import { fflateCompressor } from '../src/index'

// Whole pipelines: JSON only, JSON + deflate, JSON + deflate + AES-GCM.
const pipelines: [string, () => Codec][] = [
  ['json', () => createCodec()],
  ['json + fflate', () => createCodec({ compressor: fflateCompressor(), compressionThreshold: 32 })],
  [
    'json + fflate + aes-gcm',
    () =>
      createCodec({
        compressor: fflateCompressor(),
        compressionThreshold: 32,
        encryptor: webCryptoEncryptor({ keys: { k1: new Uint8Array(32).fill(7) }, current: 'k1' }),
      }),
  ],
]

// Ways stored bytes go bad: truncation, flipped bits, overwritten, inserted or appended bytes.
const damage = fc.oneof(
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({
    kind: fc.constant('overwrite' as const),
    at: fc.nat(),
    with: fc.uint8Array({ minLength: 1, maxLength: 8 }),
  }),
  fc.record({
    kind: fc.constant('insert' as const),
    at: fc.nat(),
    with: fc.uint8Array({ minLength: 1, maxLength: 8 }),
  }),
)

type Damage = typeof damage extends fc.Arbitrary<infer D> ? D : never

function apply(bytes: Uint8Array, d: Damage): Uint8Array {
  const at = d.at % bytes.length
  if (d.kind === 'truncate') return bytes.slice(0, at)
  const out = bytes.slice()
  if (d.kind === 'flip') {
    out[at]! ^= 1 << d.bit
    return out
  }
  if (d.kind === 'overwrite') {
    out.set(d.with.subarray(0, bytes.length - at), at)
    return out
  }
  return new Uint8Array([...bytes.subarray(0, at), ...d.with, ...bytes.subarray(at)])
}

async function harness(makeCodec: () => Codec) {
  const store = memoryStore()
  const codec = makeCodec()
  // No L1: every get goes to the store and decodes what is there.
  const cache = await createCache({ store, codec, namespace: 'fuzz' })
  const errors: Error[] = []
  cache.on('error', ({ error }) => errors.push(error))
  return { store, cache, errors }
}

describe.each(pipelines)('envelope under damage: %s', (_name, makeCodec) => {
  test('random bytes in the store read as a miss, are reported and deleted; get never throws', async () => {
    const { store, cache, errors } = await harness(makeCodec)
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 600 }), async (bytes) => {
        errors.length = 0
        await store.set('fuzz:k', bytes)
        expect(await cache.get('k')).toBeUndefined()
        expect(errors).toHaveLength(1)
        expect(errors[0]).toBeInstanceOf(CorruptEntryError)
        await expect.poll(() => store.get('fuzz:k')).toBeUndefined()
      }),
      { numRuns: 300 },
    )
  })

  test('a damaged entry reads as a miss (reported, deleted) or as exactly the value written', async () => {
    const { store, cache, errors } = await harness(makeCodec)
    await fc.assert(
      fc.asyncProperty(
        fc.jsonValue({ maxDepth: 3 }),
        fc.string({ maxLength: 300 }),
        damage,
        async (value, pad, d) => {
          const written = { value, pad }
          await cache.set('k', written)
          const expected = await cache.get('k')
          const original = (await store.get('fuzz:k'))!
          const bad = apply(original, d)
          errors.length = 0
          await store.set('fuzz:k', bad)
          const read = await cache.get('k')
          const unchanged = bad.length === original.length && bad.every((b, i) => b === original[i])
          if (unchanged) {
            expect(read).toEqual(expected)
          } else {
            expect(read).toBeUndefined()
            expect(errors).toHaveLength(1)
            await expect.poll(() => store.get('fuzz:k')).toBeUndefined()
          }
        },
      ),
      { numRuns: 300 },
    )
  })
})

test('an entry of an unknown envelope version (with a valid checksum) is a miss, reported and deleted', async () => {
  const { store, cache, errors } = await harness(() => createCodec())
  await cache.set('k', { a: 1 })
  const envelope = readEnvelope((await store.get('fuzz:k'))!)
  const header = encodeEnvelopeHeader(envelope)
  header[2] = 99
  await store.set('fuzz:k', joinEnvelope(header, envelope.payload))
  expect(await cache.get('k')).toBeUndefined()
  expect(errors[0]?.message).toMatch(/unknown envelope version 99/)
  await expect.poll(() => store.get('fuzz:k')).toBeUndefined()
})

test('getMany and has read a corrupt entry as a miss too, next to good ones', async () => {
  const { store, cache, errors } = await harness(() => createCodec({ compressor: fflateCompressor() }))
  await cache.setMany([
    { key: 'good', value: 'x'.repeat(5000) },
    { key: 'bad', value: 'y'.repeat(5000) },
  ])
  const bad = (await store.get('fuzz:bad'))!
  await store.set('fuzz:bad', bad.subarray(0, bad.length - 1))
  expect(await cache.getMany(['good', 'bad'])).toEqual(['x'.repeat(5000), undefined])
  expect(errors).toHaveLength(1)
  await expect.poll(() => store.get('fuzz:bad')).toBeUndefined()
  await store.set('fuzz:bad', bad.subarray(1))
  expect(await cache.has('bad')).toBe(false)
  expect(errors).toHaveLength(2)
})
