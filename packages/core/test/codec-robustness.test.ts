import { crc32 as zlibCrc32 } from 'node:zlib'
import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import { crc32 } from '../src/codec/crc32'
import { FLAG_ENCRYPTED, readEnvelope } from '../src/codec/envelope'
import { serializeCopy } from '../src/codec/json-serializer'
import {
  CacheKeyGenerator,
  CorruptEntryError,
  createAiCache,
  createCache,
  createCodec,
  type EntryMeta,
  jsonSerializer,
  type Serializer,
  ValidationError,
  webCryptoEncryptor,
} from '../src/index'
import { mapL1, mapStore } from './helpers/stores'

const meta: EntryMeta = { createdAt: 1_000, expiresAt: 2_000, staleUntil: 3_000, tags: ['t'] }
const long = (unit: string, chars = 2_100) => unit.repeat(Math.ceil(chars / unit.length))

/** Rewrites the trailing CRC-32 so a deliberate edit is not caught by the checksum (an attacker with L2 access). */
function fixCrc(bytes: Uint8Array): Uint8Array {
  const end = bytes.length - 4
  const crc = crc32(bytes.subarray(0, end))
  bytes[end] = crc >>> 24
  bytes[end + 1] = (crc >>> 16) & 0xff
  bytes[end + 2] = (crc >>> 8) & 0xff
  bytes[end + 3] = crc & 0xff
  return bytes
}

// -------------------------------------------------------------------------------------------------
// JSON serializer / serializeCopy / long strings
// -------------------------------------------------------------------------------------------------

describe('JSON serializer and the L1 copy', () => {
  test('an array with its own toJSON is stored as JSON.stringify writes it, with or without the L1 copy', () => {
    // json-serializer.ts jsonCopy() checks `toJSON` only on objects, not on arrays, although
    // JSON.stringify calls toJSON on arrays too. So the stored value depends on whether the cache has
    // an L1 (serializeCopy path) or not (serialize path): two instances write different values for
    // the same `set`, and neither matches its own doc ("as JSON.parse(JSON.stringify(value)) gives it").
    const serializer = jsonSerializer()
    const list = Object.assign([1, 2], { toJSON: () => 'custom' })
    const value = { list }
    const viaSerialize = serializer.deserialize(serializer.serialize(value))
    const copied = serializeCopy(serializer, value)
    const viaCopy = copied === undefined ? viaSerialize : serializer.deserialize(copied.payload)
    expect(viaSerialize).toEqual(JSON.parse(JSON.stringify(value)))
    expect(viaCopy).toEqual(viaSerialize)
  })

  test('serializeCopy decoded copy equals the decode of its payload for arbitrary JSON-ish values (incl. -0, NaN, holes, lone surrogates, long strings)', () => {
    const serializer = jsonSerializer()
    const text = fc.oneof(
      fc.string({ unit: 'binary' }),
      fc.constantFrom(long('a'), long('é🌍'), `${long('a')}\ud800`, '\udc00', long('\u2028')),
    )
    const leaf = fc.oneof(
      text,
      fc.double(),
      fc.constantFrom(-0, Number.NaN, Number.POSITIVE_INFINITY, undefined, null, true, false),
    )
    const value = fc.letrec((tie) => ({
      node: fc.oneof({ depthSize: 'small' }, leaf, tie('arr'), tie('obj')),
      arr: fc.array(tie('node'), { maxLength: 5 }),
      obj: fc.dictionary(fc.oneof(fc.string(), fc.constant('__proto__')), tie('node'), { maxKeys: 5 }),
    })).node
    fc.assert(
      fc.property(value, (v) => {
        const copied = serializeCopy(serializer, v)
        if (copied === undefined) return
        const decoded = serializer.deserialize(copied.payload)
        expect(copied.decoded).toStrictEqual(decoded)
        if (v !== undefined) expect(decoded).toStrictEqual(JSON.parse(JSON.stringify(v)))
      }),
      { numRuns: 300 },
    )
  })

  test('payloads from the shared block are never overwritten by later serializations (sync and across awaits)', async () => {
    const serializer = jsonSerializer()
    const kept: { bytes: Uint8Array; copy: Uint8Array }[] = []
    for (let i = 0; i < 2_000; i++) {
      const bytes =
        i % 7 === 0
          ? serializer.serialize({ i, text: long(String(i), 3_000) })
          : serializer.serialize({ i, s: 'x'.repeat(i % 300) })
      kept.push({ bytes, copy: bytes.slice() })
      if (i % 100 === 0) await new Promise((r) => setTimeout(r, 0))
    }
    for (const { bytes, copy } of kept) expect(bytes).toEqual(copy)
  })

  test('envelopes sealed in place in the shared block do not clobber neighbouring payloads or envelopes', async () => {
    const serializer = jsonSerializer()
    const codec = createCodec({ serializer })
    const payloads = Array.from({ length: 500 }, (_, i) =>
      serializer.serialize(i % 50 === 0 ? { i, t: long('z') } : { i }),
    )
    const copies = payloads.map((p) => p.slice())
    const sealed: Uint8Array[] = []
    for (let i = 0; i < payloads.length; i++) {
      sealed.push(codec.sealSync!(payloads[i]!, { ...meta, tags: i % 3 ? [] : ['a', 'b'] })!)
      // Seal the same payload twice: the room may be claimed only once.
      if (i % 10 === 0) sealed.push(codec.sealSync!(payloads[i]!, meta)!)
    }
    const sealedCopies = sealed.map((s) => s.slice())
    for (let i = 0; i < payloads.length; i++) expect(payloads[i]).toEqual(copies[i])
    for (let i = 0; i < sealed.length; i++) expect(sealed[i]).toEqual(sealedCopies[i])
    for (const s of sealed) expect((await codec.open(s)).value).toHaveProperty('i')
  })

  test('a shared-block payload sealed through async encryption is intact after other writes happen during the await', async () => {
    const serializer = jsonSerializer()
    const codec = createCodec({
      serializer,
      encryptor: webCryptoEncryptor({ keys: { k: new Uint8Array(32).fill(3) }, current: 'k' }),
    })
    const writes = Array.from({ length: 200 }, (_, i) => codec.seal(serializer.serialize({ i }), meta))
    // Meanwhile fill and roll the shared block.
    for (let i = 0; i < 3_000; i++) serializer.serialize({ noise: 'n'.repeat(i % 500) })
    const sealed = await Promise.all(writes)
    for (let i = 0; i < sealed.length; i++) expect((await codec.open(sealed[i]!)).value).toEqual({ i })
  })
})

// -------------------------------------------------------------------------------------------------
// Envelope: corrupt, truncated, foreign bytes, header fields
// -------------------------------------------------------------------------------------------------

describe('envelope robustness', () => {
  const codec = createCodec()
  const serializer = jsonSerializer()

  test('every truncation and every single-bit flip of an envelope (plain and long-string payloads) is a CorruptEntryError', async () => {
    for (const value of [
      { a: 1, t: 'é' },
      { t: long('ab'), n: [1, 2] },
    ]) {
      const sealed = codec.sealSync!(serializer.serialize(value), { ...meta, tags: ['tag-ü'] })!.slice()
      for (let cut = 0; cut < sealed.length; cut++) {
        await expect(codec.open(sealed.subarray(0, cut))).rejects.toBeInstanceOf(CorruptEntryError)
      }
      const stride = sealed.length > 500 ? 37 : 1
      for (let i = 0; i < sealed.length; i += stride) {
        for (let bit = 0; bit < 8; bit++) {
          const bad = sealed.slice()
          bad[i]! ^= 1 << bit
          await expect(codec.open(bad)).rejects.toBeInstanceOf(CorruptEntryError)
        }
      }
    }
  })

  test('random foreign bytes (and foreign bytes with a valid magic/version and CRC) are CorruptEntryErrors, never a value or another error type', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 200 }), fc.boolean(), async (raw, forge) => {
        let bytes: Uint8Array = raw
        if (forge && raw.length >= 40) {
          bytes = raw.slice()
          bytes[0] = 0xca
          bytes[1] = 0xc1
          bytes[2] = 1
          bytes = fixCrc(bytes)
        }
        let result: unknown
        try {
          result = await codec.open(bytes)
        } catch (error) {
          expect(error).toBeInstanceOf(CorruptEntryError)
          return
        }
        // Only a well-formed envelope may decode: then it must carry sane meta.
        expect(result).toHaveProperty('meta')
      }),
      { numRuns: 2_000 },
    )
  })

  test('a forged long-string payload (valid CRC) that points into __proto__/constructor or past its bytes is a CorruptEntryError and pollutes nothing', async () => {
    const forge = (skeleton: unknown, paths: unknown, lengths: unknown, strings = 'abc'): Uint8Array => {
      const head = new TextEncoder().encode(JSON.stringify([skeleton, paths, lengths]))
      const body = new TextEncoder().encode(strings)
      const out = new Uint8Array(1 + body.length + head.length + 4)
      out[0] = 0x01
      out.set(body, 1)
      out.set(head, 1 + body.length)
      new DataView(out.buffer).setUint32(out.length - 4, head.length)
      // Sealed by the codec itself, so magic, version and CRC are all valid.
      return codec.sealSync!(out, meta)!
    }
    const cases = [
      forge({ a: null }, [['__proto__', 'polluted']], [3]),
      forge({ a: null }, [['constructor', 'prototype', 'polluted']], [3]),
      forge({ a: null }, [['toString']], [3]),
      forge({ a: null }, [['a', 'b']], [3]),
      forge({ a: null }, [['a']], [4]),
      forge({ a: null }, [['a']], [2]),
      forge({ a: 'taken' }, [['a']], [3]),
      forge([null], [[1]], [3]),
      forge([null], [[-1]], [3]),
      forge([null], [['0']], [3]),
      forge({ a: null }, [['a'], ['a']], [1, 2]),
      forge(null, [[]], [3], '\xff\xfe\xfd'),
      forge({ a: null }, [], []),
    ]
    for (const bytes of cases) await expect(codec.open(bytes)).rejects.toBeInstanceOf(CorruptEntryError)
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
    // The well-formed one decodes.
    expect((await codec.open(forge({ a: null }, [['a']], [3]))).value).toEqual({ a: 'abc' })
  })

  test('the slice-by-16 CRC-32 equals zlib for every length and byte offset (aligned and unaligned views)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.nat(7), fc.nat(7), (bytes, start, trim) => {
        const view = bytes.subarray(
          Math.min(start, bytes.length),
          Math.max(Math.min(start, bytes.length), bytes.length - trim),
        )
        expect(crc32(view)).toBe(zlibCrc32(view))
      }),
      { numRuns: 3_000 },
    )
  })

  test('header fields round-trip: Infinity expiry, unicode tags (emoji, CJK, RTL), fractional timestamps', async () => {
    const m: EntryMeta = {
      createdAt: 1_700_000_000_000.5,
      expiresAt: Number.POSITIVE_INFINITY,
      staleUntil: Number.POSITIVE_INFINITY,
      tags: ['user:ü', '🌍', '中文', 'שלום', 'a'.repeat(300)],
    }
    const sealed = await codec.seal(serializer.serialize('v'), m)
    expect((await codec.open(sealed)).meta).toEqual(m)
    expect(readEnvelope(sealed).meta).toEqual(m)
  })

  test('a value above maxDecompressedBytes is refused at set (ENTRY_TOO_LARGE) instead of stored unreadable', async () => {
    const codec = createCodec({ maxDecompressedBytes: 1_000 })
    await expect(codec.seal(serializer.serialize('x'.repeat(5_000)), meta)).rejects.toMatchObject({
      name: 'ValidationError',
      code: 'ENTRY_TOO_LARGE',
    })
    expect(() => codec.sealSync!(serializer.serialize('x'.repeat(5_000)), meta)).toThrow(ValidationError)
    const store = mapStore()
    const writer = await createCache({ store, codec, namespace: 'big' })
    await expect(writer.set('k', 'x'.repeat(5_000))).rejects.toMatchObject({ code: 'ENTRY_TOO_LARGE' })
    expect(store.data.size).toBe(0)
    // Within the bound, another instance reads it back.
    await writer.set('k', 'x'.repeat(900))
    const reader = await createCache({ store, codec, namespace: 'big' })
    expect(await reader.get('k')).toBe('x'.repeat(900))
  })

  test('a tag with a lone surrogate is a ValidationError (UTF-8 would store it as U+FFFD)', async () => {
    await expect(codec.seal(serializer.serialize(1), { ...meta, tags: ['user:\ud800'] })).rejects.toThrow(
      ValidationError,
    )
    const store = mapStore()
    const cache = await createCache({ store, namespace: 'tags' })
    await expect(cache.set('k', 'v', { tags: ['t\ud800'] })).rejects.toThrow(ValidationError)
    await expect(cache.getOrSet('k', () => 'v', { tags: ['\udc00t'] })).rejects.toThrow(ValidationError)
    await expect(cache.deleteByTag('t\ud800')).rejects.toThrow(ValidationError)
    expect(store.data.size).toBe(0)
    // A well-formed astral tag (a surrogate pair) is fine and round-trips.
    await cache.set('k', 'v', { tags: ['t\ud83c\udf0d'] })
    expect(await cache.deleteByTag('t🌍')).toBe(1)
  })

  test('a key or namespace with a lone surrogate is a ValidationError: two such keys would share one L2 entry', async () => {
    const store = mapStore()
    const cache = await createCache({ store, namespace: 'keys' })
    for (const key of ['a\ud800', 'a\udfff', '\udc00a', 'a\ud800b']) {
      await expect(cache.set(key, 1)).rejects.toMatchObject({ name: 'ValidationError', code: 'INVALID_KEY' })
      await expect(cache.get(key)).rejects.toMatchObject({ code: 'INVALID_KEY' })
    }
    await expect(cache.getMany(['ok', 'b\ud800'])).rejects.toMatchObject({ code: 'INVALID_KEY' })
    expect(store.data.size).toBe(0)
    await expect(createCache({ store, namespace: 'n\ud800' })).rejects.toThrow(ValidationError)
    await cache.set('a\ud83c\udf0d', 1)
    expect(await cache.get('a🌍')).toBe(1)
  })

  test('a non-ASCII codec id is matched as UTF-8: an entry of serializer "ü" is not read by serializer "Ã¼"', async () => {
    // envelope.ts readId(): the fast path compares bytes[i] with expected.charCodeAt(i), which is only
    // valid for ASCII ids. "ü" is C3 BC in UTF-8, the same numbers as the two UTF-16 units of "Ã¼".
    const base = jsonSerializer()
    const umlaut: Serializer = { id: 'ü', serialize: base.serialize, deserialize: () => 'read by ü' }
    const mojibake: Serializer = { id: 'Ã¼', serialize: base.serialize, deserialize: () => 'read by Ã¼' }
    const writer = createCodec({ serializer: umlaut })
    const reader = createCodec({ serializer: mojibake, readers: { serializers: [umlaut] } })
    const sealed = await writer.seal(base.serialize(1), meta)
    expect((await reader.open(sealed)).value).toBe('read by ü')
  })
})

// -------------------------------------------------------------------------------------------------
// Encryption
// -------------------------------------------------------------------------------------------------

describe('AES-GCM encryption', () => {
  const keys = { k1: new Uint8Array(32).fill(1), k2: new Uint8Array(32).fill(2) }
  const encryptor = webCryptoEncryptor({ keys, current: 'k1' })
  const codec = createCodec({ encryptor, requireEncryption: true })
  const serializer = jsonSerializer()

  test('a tampered header field (expiresAt/staleUntil, tag, flags) or ciphertext with a recomputed CRC is rejected as CorruptEntryError', async () => {
    const sealed = await codec.seal(serializer.serialize({ secret: 1 }), { ...meta, tags: ['tag'] })
    const env = readEnvelope(sealed)
    expect(env.flags & FLAG_ENCRYPTED).toBe(FLAG_ENCRYPTED)
    const positions = [
      env.header.length - 3, // inside the tag
      env.header.length - 10, // staleUntil
      env.header.length - 20, // expiresAt
      env.header.length + 3, // IV
      env.header.length + 20, // ciphertext
      sealed.length - 6, // GCM tag
    ]
    for (const at of positions) {
      const bad = sealed.slice()
      bad[at]! ^= 0x01
      await expect(codec.open(fixCrc(bad))).rejects.toBeInstanceOf(CorruptEntryError)
    }
  })

  test('an entry re-labelled with another configured key id is rejected; unknown key ids and messages never include key bytes', async () => {
    const sealed = await codec.seal(serializer.serialize('v'), meta)
    const text = new TextDecoder('latin1').decode(sealed)
    const at = text.indexOf('k1')
    const bad = sealed.slice()
    bad[at + 1] = '2'.charCodeAt(0)
    const error = await codec.open(fixCrc(bad)).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(CorruptEntryError)
    const message = `${(error as Error).message} ${String((error as Error).cause)}`
    expect(message).not.toContain('1,1,1,1')
    expect(message).not.toContain('AQEBAQEB') // base64 of the key bytes
  })

  test('an encrypted entry is bound to its store key: copied under another key or namespace, it reads as a miss', async () => {
    const sealed = await codec.seal(serializer.serialize('admin'), meta, 'app:user:1:role')
    expect((await codec.open(sealed, 'app:user:1:role')).value).toBe('admin')
    await expect(codec.open(sealed, 'app:user:2:role')).rejects.toBeInstanceOf(CorruptEntryError)
    await expect(codec.open(sealed)).rejects.toBeInstanceOf(CorruptEntryError)

    const store = mapStore()
    const cache = await createCache({ store, codec, namespace: 'app' })
    const other = await createCache({ store, codec, namespace: 'other' })
    const errors: unknown[] = []
    cache.on('error', (event) => errors.push(event))
    await cache.set('user:1:role', 'admin')
    await cache.set('user:2:role', 'guest')
    await other.set('user:3:role', 'guest')
    store.data.set('app:user:2:role', store.data.get('app:user:1:role')!)
    store.data.set('other:user:3:role', store.data.get('app:user:1:role')!)
    expect(await cache.get('user:2:role')).toBeUndefined()
    expect(await other.get('user:3:role')).toBeUndefined()
    expect(errors).toHaveLength(1)
    // The moved entry was deleted as corrupt; the original still reads.
    expect(store.data.has('app:user:2:role')).toBe(false)
    expect(await cache.get('user:1:role')).toBe('admin')
    // Batch reads and getOrSet bind the key as well.
    store.data.set('app:user:4:role', store.data.get('app:user:1:role')!)
    expect(await cache.getMany(['user:1:role', 'user:4:role'])).toEqual(['admin', undefined])
    store.data.set('app:user:5:role', store.data.get('app:user:1:role')!)
    expect(await cache.getOrSet('user:5:role', () => 'loaded')).toBe('loaded')
  })
})

// -------------------------------------------------------------------------------------------------
// AI cache: canonical keys
// -------------------------------------------------------------------------------------------------

describe('AI key generator', () => {
  const keys = new CacheKeyGenerator()

  test('equal requests share a key: option order, undefined vs missing, -0 vs 0, 1 vs 1.0, stream:false vs absent', () => {
    const a = keys.key({
      model: 'gpt-4o',
      messages: [{ role: 'user', content: 'hi' }],
      temperature: 0,
      top_p: 1,
      response_format: { type: 'json_schema', json_schema: { b: 1, a: [1, { y: 2, x: 1 }] } },
    })
    const b = keys.key({
      response_format: { json_schema: { a: [1.0, { x: 1, y: 2 }], b: 1 }, type: 'json_schema' },
      top_p: 1.0,
      temperature: -0,
      messages: [{ content: 'hi', role: 'user' }],
      model: 'gpt-4o',
      seed: undefined,
      stream: false,
    })
    expect(a).toBe(b)
  })

  test('different requests never share a key: 1 vs "1", [] vs {}, nested array vs object, different image bytes, null vs missing', () => {
    const base = { model: 'm', messages: [{ role: 'user', content: 'x' }] }
    const variants = [
      { ...base, seed: 1 },
      { ...base, seed: '1' },
      { ...base, tools: [] },
      { ...base, tools: {} },
      { ...base, stop: [['a']] },
      { ...base, stop: [{ 0: 'a' }] },
      { ...base, stop: ['a'] },
      { ...base, stop: 'a' },
      { ...base, seed: null },
      { ...base, stop: ['a', 'b'] },
      { ...base, stop: ['a,b'] },
      {
        ...base,
        messages: [
          {
            role: 'user',
            content: [{ type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'AAEC' } }],
          },
        ],
      },
      {
        ...base,
        messages: [
          {
            role: 'user',
            content: [{ type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'AAED' } }],
          },
        ],
      },
      {
        ...base,
        messages: [{ role: 'user', content: [{ type: 'input_bytes', data: new Uint8Array([1]) }] }],
      },
      {
        ...base,
        messages: [{ role: 'user', content: [{ type: 'input_bytes', data: new Uint8Array([2]) }] }],
      },
      base,
    ]
    const generated = variants.map((v) => keys.key(v as never))
    expect(new Set(generated).size).toBe(generated.length)
  })

  test('key errors do not echo secrets found in the request', () => {
    const secret = 'sk-live-SECRET-123456'
    const calls = [
      () => keys.key({ model: 'm', messages: 'x', api_key: secret, temperature: Number.NaN } as never),
      () => keys.key({ model: 'm', messages: 'x', headers: { Authorization: secret }, x: () => 1 } as never),
    ]
    for (const call of calls) {
      let message = ''
      try {
        call()
      } catch (error) {
        message = (error as Error).message
      }
      expect(message).not.toBe('')
      expect(message).not.toContain(secret)
    }
  })
})

// -------------------------------------------------------------------------------------------------
// AI streams
// -------------------------------------------------------------------------------------------------

describe('AI stream recording', () => {
  const request = { model: 'm', messages: 'stream me' }

  test('a stream whose upstream fails after the last chunk is not stored; the next call regenerates', async () => {
    const cache = await createCache({ store: mapStore(), l1: mapL1(), namespace: 'ai1' })
    const ai = createAiCache({ cache })
    async function* failing() {
      yield 'a'
      yield 'b'
      throw new Error('connection reset')
    }
    const got: string[] = []
    await expect(
      (async () => {
        for await (const c of ai.wrapStream(request, failing)) got.push(c)
      })(),
    ).rejects.toThrow('connection reset')
    expect(got).toEqual(['a', 'b'])
    const again = ai.wrapStream(request, async function* () {
      yield 'fresh'
    })
    const second: string[] = []
    for await (const c of again) second.push(c)
    expect(again.outcome).toBe('miss')
    expect(second).toEqual(['fresh'])
  })

  test('a consumer that leaves after the last chunk but before the upstream ends aborts the upstream and nothing is stored', async () => {
    const cache = await createCache({ store: mapStore(), l1: mapL1(), namespace: 'ai2' })
    const ai = createAiCache({ cache })
    let aborted = false
    const source = async function* (signal: AbortSignal) {
      signal.addEventListener('abort', () => {
        aborted = true
      })
      yield 'only'
      await new Promise((r) => setTimeout(r, 20))
    }
    for await (const _ of ai.wrapStream(request, source)) break
    await new Promise((r) => setTimeout(r, 40))
    expect(aborted).toBe(true)
    const replay = ai.wrapStream(request, async function* () {
      yield 'regenerated'
    })
    for await (const _ of replay) {
    }
    expect(replay.outcome).toBe('miss')
  })
})
