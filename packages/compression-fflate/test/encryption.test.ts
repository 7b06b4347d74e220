import {
  CorruptEntryError,
  createCache,
  createCodec,
  readEnvelope,
  type Store,
  webCryptoEncryptor,
  writeEnvelope,
} from '@cache/core'
import { memoryL1, memoryStore } from '@cache/memory'
import { describe, expect, test } from 'vitest'
import { fflateCompressor } from '../src/index'

const key = (fill: number) => new Uint8Array(32).fill(fill)
const answer = { user: 'zoe@example.com', text: 'Your diagnosis is ... '.repeat(200) }

async function cacheWith(store: Store, keys: Record<string, Uint8Array>, current: string) {
  const codec = createCodec({
    compressor: fflateCompressor(),
    encryptor: webCryptoEncryptor({ keys, current }),
  })
  const cache = await createCache({ store, codec, l1: memoryL1(), namespace: 'enc' })
  const errors: Error[] = []
  cache.on('error', ({ error }) => errors.push(error))
  return { cache, errors }
}

describe('encryption at rest in a tiered cache', () => {
  test('compresses, then encrypts: L2 holds no plaintext and reads back the value', async () => {
    const store = memoryStore()
    const { cache } = await cacheWith(store, { k1: key(1) }, 'k1')
    await cache.set('a', answer)
    const bytes = (await store.get('enc:a'))!
    const envelope = readEnvelope(bytes)
    expect([envelope.compressorId, envelope.keyId]).toEqual(['fflate-deflate', 'k1'])
    expect(Buffer.from(bytes).includes('zoe@example.com')).toBe(false)
    expect(bytes.length).toBeLessThan(JSON.stringify(answer).length / 4)
    const { cache: other } = await cacheWith(store, { k1: key(1) }, 'k1')
    expect(await other.get('a')).toEqual(answer)
  })

  test('rotation: a new current key writes new entries, old ones stay readable while their key is kept', async () => {
    const store = memoryStore()
    await (await cacheWith(store, { k1: key(1) }, 'k1')).cache.set('old', answer)
    const { cache: rotated, errors } = await cacheWith(store, { k1: key(1), k2: key(2) }, 'k2')
    expect(await rotated.get('old')).toEqual(answer)
    await rotated.set('new', answer)
    expect(readEnvelope((await store.get('enc:new'))!).keyId).toBe('k2')
    expect(errors).toEqual([])
    const { cache: retired, errors: retiredErrors } = await cacheWith(store, { k2: key(2) }, 'k2')
    expect(await retired.get('new')).toEqual(answer)
    expect(await retired.get('old')).toBeUndefined()
    expect(retiredErrors[0]).toBeInstanceOf(CorruptEntryError)
    expect(await store.get('enc:old')).toBeUndefined()
  })

  test('a wrong key is a miss with an error event, never garbage, and the entry is deleted', async () => {
    const store = memoryStore()
    await (await cacheWith(store, { k1: key(1) }, 'k1')).cache.set('a', answer)
    const { cache, errors } = await cacheWith(store, { k1: key(9) }, 'k1')
    expect(await cache.get('a')).toBeUndefined()
    expect(errors).toHaveLength(1)
    expect(errors[0]?.message).toMatch(/Cannot decrypt entry \(key id "k1"\)/)
    expect(await store.get('enc:a')).toBeUndefined()
  })

  test('tampered ciphertext or header (checksum recomputed) is a miss with an error event', async () => {
    const store = memoryStore()
    const { cache } = await cacheWith(store, { k1: key(1) }, 'k1')
    await cache.set('a', answer)
    const envelope = readEnvelope((await store.get('enc:a'))!)
    const flipped = envelope.payload.slice()
    flipped[20]! ^= 0x01
    const tampered = [
      writeEnvelope({ ...envelope, payload: flipped }),
      writeEnvelope({ ...envelope, meta: { ...envelope.meta, tags: ['admin'] } }),
    ]
    const { cache: reader, errors } = await cacheWith(store, { k1: key(1) }, 'k1')
    for (const bytes of tampered) {
      await store.set('enc:a', bytes)
      expect(await reader.get('a')).toBeUndefined()
      expect(await store.get('enc:a')).toBeUndefined()
    }
    expect(errors.map((e) => e.message)).toEqual(Array(2).fill('Cannot decrypt entry (key id "k1")'))
  })

  test('a reader without an encryptor reads a miss with an error event', async () => {
    const store = memoryStore()
    await (await cacheWith(store, { k1: key(1) }, 'k1')).cache.set('a', answer)
    const plain = await createCache({
      store,
      codec: createCodec({ compressor: fflateCompressor() }),
      namespace: 'enc',
    })
    const errors: Error[] = []
    plain.on('error', ({ error }) => errors.push(error))
    expect(await plain.get('a')).toBeUndefined()
    expect(errors[0]?.message).toMatch(/no encryptor/)
  })

  test('error messages and stats never contain key material', async () => {
    const store = memoryStore()
    const secretKey = new Uint8Array(32).fill(0x5a)
    await (await cacheWith(store, { k1: key(1) }, 'k1')).cache.set('a', answer)
    const { cache, errors } = await cacheWith(store, { k1: secretKey }, 'k1')
    await cache.get('a')
    const text = JSON.stringify([errors.map((e) => `${e.message} ${String(e.cause)}`), cache.stats()])
    expect(text).not.toContain('ZZZZ')
    expect(text).not.toContain('90,90,90')
  })
})
