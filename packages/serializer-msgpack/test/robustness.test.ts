import { CorruptEntryError, createCache, createCodec } from '@cache/core'
import { memoryL1, memoryStore } from '@cache/memory'
import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import { msgpackSerializer } from '../src/index'

describe('msgpackSerializer', () => {
  test('after switching back to JSON (msgpack kept as a reader), an old msgpack entry reads the same with and without L1: it is not re-encoded as JSON', async () => {
    // l2-read.ts #acceptFound()/#reencode(): an entry decoded by a reader serializer is re-serialized with
    // the current (JSON) serializer for L1. JSON accepts a Date (as an ISO string), NaN (as null) and drops
    // undefined fields, so the L1 copy differs from what L2 gives through the codec; the reader with an
    // L1 returns strings where a reader without one (or another instance) returns Dates.
    const store = memoryStore()
    const old = { when: new Date(0), ratio: Number.NaN, missing: undefined }
    await (
      await createCache({
        store,
        l1: memoryL1(),
        codec: createCodec({ serializer: msgpackSerializer() }),
        namespace: 'sw',
      })
    ).set('old', old)
    const jsonCodec = createCodec({ readers: { serializers: [msgpackSerializer()] } })
    const withL1 = await createCache({ store, l1: memoryL1(), codec: jsonCodec, namespace: 'sw' })
    const withoutL1 = await createCache({ store, codec: jsonCodec, namespace: 'sw' })
    const fromL2 = await withoutL1.get('old')
    expect(fromL2).toStrictEqual(old)
    await withL1.get('old')
    const fromL1 = await withL1.get('old')
    expect(fromL1).toStrictEqual(fromL2)
  })

  test('an earlier serialize result is never overwritten by later ones (pack() reuses a scratch buffer)', async () => {
    const s = msgpackSerializer()
    const kept: { bytes: Uint8Array; copy: Uint8Array }[] = []
    for (let i = 0; i < 500; i++) {
      const bytes = s.serialize({ i, m: new Map([[i, 'x'.repeat(i * 7)]]), when: new Date(i) })
      kept.push({ bytes, copy: bytes.slice() })
      if (i % 50 === 0) await new Promise((r) => setTimeout(r, 0))
    }
    for (const { bytes, copy } of kept) expect(bytes).toEqual(copy)
  })

  test('rich values read from L1 and from L2 are equal type for type (property)', async () => {
    const store = memoryStore()
    const codec = createCodec({ serializer: msgpackSerializer() })
    const writer = await createCache({ store, l1: memoryL1(), codec, namespace: 'mpa' })
    const reader = await createCache({ store, codec, namespace: 'mpa' })
    const leaf = fc.oneof(
      fc.string(),
      fc.double({ noDefaultInfinity: false }).filter((n) => !Object.is(n, -0)),
      fc.bigInt({ min: -(2n ** 100n), max: 2n ** 100n }),
      fc.date({ noInvalidDate: true }),
      fc.uint8Array({ maxLength: 8 }),
      fc.constantFrom(null, true, false, undefined),
    )
    const value = fc.letrec((tie) => ({
      node: fc.oneof({ depthSize: 'small' }, leaf, tie('arr'), tie('obj'), tie('map'), tie('set')),
      arr: fc.array(tie('node'), { maxLength: 4 }),
      obj: fc.dictionary(
        fc.string().filter((k) => k !== '__proto__'),
        tie('node'),
        { maxKeys: 4, noNullPrototype: true },
      ),
      map: fc.array(fc.tuple(leaf, tie('node')), { maxLength: 3 }).map((e) => new Map(e)),
      set: fc.array(leaf, { maxLength: 3 }).map((e) => new Set(e)),
    })).node
    let i = 0
    await fc.assert(
      fc.asyncProperty(value, async (v) => {
        if (v === undefined) return
        const key = `k${i++}`
        try {
          await writer.set(key, v)
        } catch {
          return // lone surrogates are refused
        }
        const fromL1 = await writer.get(key)
        const fromL2 = await reader.get(key)
        expect(fromL2).toStrictEqual(fromL1)
        expect(fromL1).toStrictEqual(v)
      }),
      { numRuns: 200 },
    )
  })

  test('random bytes in a valid msgpack envelope never crash the codec with a non-CorruptEntryError', async () => {
    const codec = createCodec({ serializer: msgpackSerializer() })
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 0, maxLength: 64 }), async (raw) => {
        const sealed = codec.sealSync!(raw, { createdAt: 0, expiresAt: 1, staleUntil: 1, tags: [] })!
        try {
          await codec.open(sealed)
        } catch (error) {
          expect(error).toBeInstanceOf(CorruptEntryError)
        }
      }),
      { numRuns: 2_000 },
    )
  })
})
