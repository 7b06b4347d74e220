import { ValidationError } from '../errors'
import { decodeBase64, encodeBase64 } from './base64'

/** An embedding as stored: little-endian float32 bytes in base64 (4 bytes a dimension, not ~20 in JSON). */
export interface StoredVector {
  kind: 'embedding'
  dims: number
  f32: string
}

/** Encodes a vector compactly; throws a `ValidationError` on a non-finite component. */
export function encodeVector(vector: ArrayLike<number>): StoredVector {
  const bytes = new Uint8Array(vector.length * 4)
  const view = new DataView(bytes.buffer)
  for (let i = 0; i < vector.length; i++) {
    const value = vector[i]!
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      throw new ValidationError(`Embedding component ${i} is not a finite number`, 'INVALID_VALUE')
    }
    view.setFloat32(i * 4, value, true)
  }
  return { kind: 'embedding', dims: vector.length, f32: encodeBase64(bytes) }
}

/** Decodes a stored vector, or `undefined` when the entry is not one (read as a miss). */
export function decodeVector(stored: unknown): Float32Array | undefined {
  const s = stored as Partial<StoredVector> | undefined
  if (s?.kind !== 'embedding' || typeof s.f32 !== 'string' || typeof s.dims !== 'number') return undefined
  let bytes: Uint8Array
  try {
    bytes = decodeBase64(s.f32)
  } catch {
    return undefined
  }
  if (bytes.length !== s.dims * 4) return undefined
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const vector = new Float32Array(s.dims)
  for (let i = 0; i < s.dims; i++) vector[i] = view.getFloat32(i * 4, true)
  return vector
}
