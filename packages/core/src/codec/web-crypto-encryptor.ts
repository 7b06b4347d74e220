import { utf8Length } from '../bytes'
import type { Encryptor } from '../contracts/codec'
import { ConfigurationError, CorruptEntryError, ValidationError } from '../errors'

/** Options for {@link webCryptoEncryptor}. */
export interface WebCryptoEncryptorOptions {
  /**
   * AES-256 keys by id: 32 raw bytes or an AES-GCM `CryptoKey`. Keep a retired key here for as long as
   * entries written with it may live (their TTL plus grace); they read as misses once it is removed.
   */
  keys: Readonly<Record<string, Uint8Array | CryptoKey>>
  /** Id of the key that encrypts new entries; written (in clear) into each envelope. */
  current: string
}

const IV_BYTES = 12
const TAG_BYTES = 16
const KEY_BYTES = 32

function invalid(message: string): never {
  throw new ValidationError(`webCryptoEncryptor: ${message}`, 'INVALID_OPTION')
}

function isCryptoKey(key: unknown): key is CryptoKey {
  return typeof key === 'object' && key !== null && 'algorithm' in key && 'type' in key && 'usages' in key
}

function checkKey(id: string, key: unknown): void {
  if (id === '' || utf8Length(id) > 255)
    invalid('every key id must be a non-empty string of at most 255 bytes')
  if (key instanceof Uint8Array) {
    // Only the length is reported: key material never reaches a message.
    if (key.length !== KEY_BYTES)
      invalid(`key "${id}" must be ${KEY_BYTES} bytes (AES-256), got ${key.length}`)
    return
  }
  if (!isCryptoKey(key)) invalid(`key "${id}" must be a Uint8Array of ${KEY_BYTES} bytes or a CryptoKey`)
  const algorithm = key.algorithm as AesKeyAlgorithm
  if (algorithm.name !== 'AES-GCM' || algorithm.length !== 256)
    invalid(`key "${id}" must be an AES-GCM 256-bit key`)
  if (!key.usages.includes('encrypt') || !key.usages.includes('decrypt')) {
    invalid(`key "${id}" must allow both "encrypt" and "decrypt"`)
  }
}

/**
 * Encrypts entries with AES-256-GCM through Web Crypto (Node 20+, Bun, Deno, edge workers): a random
 * 96-bit IV per entry, the additional authenticated data the codec gives (the envelope header and the
 * entry's store key), and key ids for rotation.
 */
export function webCryptoEncryptor(options: WebCryptoEncryptorOptions): Encryptor {
  const subtle = globalThis.crypto?.subtle
  if (!subtle) throw new ConfigurationError('webCryptoEncryptor needs Web Crypto (globalThis.crypto.subtle)')
  const { keys, current } = options ?? ({} as WebCryptoEncryptorOptions)
  if (typeof keys !== 'object' || keys === null || Object.keys(keys).length === 0) {
    invalid('option keys must map at least one key id to a key')
  }
  for (const [id, key] of Object.entries(keys)) checkKey(id, key)
  if (typeof current !== 'string' || !Object.hasOwn(keys, current)) {
    invalid('option current must be one of the ids in keys')
  }
  // Raw bytes are copied now, so a caller reusing its buffer cannot change a key later.
  const material = new Map(
    Object.entries(keys).map(([id, key]) => [id, key instanceof Uint8Array ? key.slice() : key] as const),
  )
  const imported = new Map<string, Promise<CryptoKey>>()
  // Imported on first use, since importKey is asynchronous and the factory is not.
  const keyFor = (id: string): Promise<CryptoKey> | undefined => {
    const key = material.get(id)
    if (key === undefined) return undefined
    let pending = imported.get(id)
    if (!pending) {
      pending =
        key instanceof Uint8Array
          ? subtle.importKey('raw', key as Uint8Array<ArrayBuffer>, { name: 'AES-GCM' }, false, [
              'encrypt',
              'decrypt',
            ])
          : Promise.resolve(key)
      imported.set(id, pending)
    }
    return pending
  }

  return {
    keyId: current,
    async encrypt(plain, aad) {
      const key = await keyFor(current)!
      const iv = globalThis.crypto.getRandomValues(new Uint8Array(IV_BYTES))
      const sealed = await subtle.encrypt(
        { name: 'AES-GCM', iv, additionalData: aad as Uint8Array<ArrayBuffer>, tagLength: TAG_BYTES * 8 },
        key,
        plain as Uint8Array<ArrayBuffer>,
      )
      const out = new Uint8Array(IV_BYTES + sealed.byteLength)
      out.set(iv, 0)
      out.set(new Uint8Array(sealed), IV_BYTES)
      return out
    },
    async decrypt(cipher, keyId, aad) {
      const key = keyFor(keyId)
      if (!key) throw new CorruptEntryError(`No key configured for key id "${keyId}"`)
      if (cipher.length < IV_BYTES + TAG_BYTES) throw new CorruptEntryError('Ciphertext is too short')
      const plain = await subtle.decrypt(
        {
          name: 'AES-GCM',
          iv: cipher.subarray(0, IV_BYTES) as Uint8Array<ArrayBuffer>,
          additionalData: aad as Uint8Array<ArrayBuffer>,
          tagLength: TAG_BYTES * 8,
        },
        await key,
        cipher.subarray(IV_BYTES) as Uint8Array<ArrayBuffer>,
      )
      return new Uint8Array(plain)
    },
  }
}
