import { describe, expect, test } from 'vitest'
import {
  CorruptEntryError,
  createCodec,
  type EntryMeta,
  jsonSerializer,
  readEnvelope,
  ValidationError,
  webCryptoEncryptor,
  writeEnvelope,
} from '../src/index'

const meta: EntryMeta = { createdAt: 1, expiresAt: 10, staleUntil: 20, tags: ['user:1'] }
const key = (fill: number) => new Uint8Array(32).fill(fill)
const secret = { card: '4111 1111 1111 1111', name: 'Zoë' }
const seal = (codec: ReturnType<typeof createCodec>) => codec.seal(jsonSerializer().serialize(secret), meta)

describe('webCryptoEncryptor', () => {
  test('round-trips and keeps the plaintext out of the stored bytes', async () => {
    const codec = createCodec({ encryptor: webCryptoEncryptor({ keys: { k1: key(1) }, current: 'k1' }) })
    const bytes = await seal(codec)
    expect(Buffer.from(bytes).includes('4111')).toBe(false)
    expect(readEnvelope(bytes).keyId).toBe('k1')
    expect((await codec.open(bytes)).value).toEqual(secret)
  })

  test('uses a fresh IV per entry', async () => {
    const codec = createCodec({ encryptor: webCryptoEncryptor({ keys: { k1: key(1) }, current: 'k1' }) })
    const [a, b] = [await seal(codec), await seal(codec)]
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(false)
  })

  test('rotation: old entries stay readable while their key is configured', async () => {
    const before = createCodec({ encryptor: webCryptoEncryptor({ keys: { k1: key(1) }, current: 'k1' }) })
    const old = await seal(before)
    const after = createCodec({
      encryptor: webCryptoEncryptor({ keys: { k1: key(1), k2: key(2) }, current: 'k2' }),
    })
    expect((await after.open(old)).value).toEqual(secret)
    const fresh = await seal(after)
    expect(readEnvelope(fresh).keyId).toBe('k2')
    const retired = createCodec({ encryptor: webCryptoEncryptor({ keys: { k2: key(2) }, current: 'k2' }) })
    expect((await retired.open(fresh)).value).toEqual(secret)
    await expect(retired.open(old)).rejects.toThrow(CorruptEntryError)
  })

  test('a wrong key under the same id is refused', async () => {
    const bytes = await seal(
      createCodec({ encryptor: webCryptoEncryptor({ keys: { k1: key(1) }, current: 'k1' }) }),
    )
    const wrong = createCodec({ encryptor: webCryptoEncryptor({ keys: { k1: key(9) }, current: 'k1' }) })
    await expect(wrong.open(bytes)).rejects.toThrow(CorruptEntryError)
  })

  test('an encrypted entry without an encryptor is refused', async () => {
    const bytes = await seal(
      createCodec({ encryptor: webCryptoEncryptor({ keys: { k1: key(1) }, current: 'k1' }) }),
    )
    await expect(createCodec().open(bytes)).rejects.toThrow(/no encryptor/)
  })

  test('tampering with the ciphertext or the header is detected, even with a fixed checksum', async () => {
    const codec = createCodec({ encryptor: webCryptoEncryptor({ keys: { k1: key(1) }, current: 'k1' }) })
    const bytes = await seal(codec)
    const envelope = readEnvelope(bytes)
    // Re-written through writeEnvelope so the checksum is valid: only the AEAD can catch these.
    const flipped = envelope.payload.slice()
    flipped[flipped.length - 20]! ^= 1
    await expect(codec.open(writeEnvelope({ ...envelope, payload: flipped }))).rejects.toThrow(
      CorruptEntryError,
    )
    const extended = { ...envelope, meta: { ...envelope.meta, expiresAt: 15, staleUntil: 99 } }
    await expect(codec.open(writeEnvelope(extended))).rejects.toThrow(CorruptEntryError)
  })

  test('accepts a CryptoKey', async () => {
    const cryptoKey = await crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, [
      'encrypt',
      'decrypt',
    ])
    const codec = createCodec({ encryptor: webCryptoEncryptor({ keys: { k: cryptoKey }, current: 'k' }) })
    expect((await codec.open(await seal(codec))).value).toEqual(secret)
  })

  test('validates options without revealing key material', () => {
    expect(() => webCryptoEncryptor({ keys: {}, current: 'k' })).toThrow(ValidationError)
    expect(() => webCryptoEncryptor({ keys: { k: key(1) }, current: 'other' })).toThrow(/current/)
    let message = ''
    try {
      webCryptoEncryptor({ keys: { k: new Uint8Array(16).fill(0xab) }, current: 'k' })
    } catch (error) {
      message = (error as Error).message
    }
    expect(message).toMatch(/32 bytes/)
    expect(message).not.toMatch(/171|ab/i)
  })
})

describe('requireEncryption', () => {
  test('refuses plaintext entries only when set', async () => {
    const plain = await createCodec().seal(jsonSerializer().serialize(secret), meta)
    const encryptor = webCryptoEncryptor({ keys: { k1: key(1) }, current: 'k1' })
    expect((await createCodec({ encryptor }).open(plain)).value).toEqual(secret)
    const strict = createCodec({ encryptor, requireEncryption: true })
    await expect(strict.open(plain)).rejects.toThrow(/requireEncryption/)
    expect((await strict.open(await seal(strict))).value).toEqual(secret)
  })

  test('needs an encryptor', () => {
    expect(() => createCodec({ requireEncryption: true })).toThrow(ValidationError)
  })
})
