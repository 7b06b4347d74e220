// Big-endian reads and writes of the envelope's numbers without a DataView per entry: a DataView is an
// object per read or write, and every L2 read and write parses or builds an envelope.
const scratch = new Float64Array(1)
const scratchBytes = new Uint8Array(scratch.buffer)
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1

/** Writes `value` as a big-endian IEEE 754 double at `offset`. */
export function writeFloat64(out: Uint8Array, offset: number, value: number): void {
  scratch[0] = value
  if (LITTLE_ENDIAN) for (let i = 0; i < 8; i++) out[offset + i] = scratchBytes[7 - i]!
  else out.set(scratchBytes, offset)
}

/** Reads a big-endian IEEE 754 double at `offset` (the caller checks the bounds). */
export function readFloat64(bytes: Uint8Array, offset: number): number {
  if (LITTLE_ENDIAN) for (let i = 0; i < 8; i++) scratchBytes[7 - i] = bytes[offset + i]!
  else for (let i = 0; i < 8; i++) scratchBytes[i] = bytes[offset + i]!
  return scratch[0]!
}

/** Reads a big-endian unsigned 16-bit integer at `offset`. */
export function readUint16(bytes: Uint8Array, offset: number): number {
  return (bytes[offset]! << 8) | bytes[offset + 1]!
}

/** Writes a big-endian unsigned 16-bit integer at `offset`. */
export function writeUint16(out: Uint8Array, offset: number, value: number): void {
  out[offset] = value >>> 8
  out[offset + 1] = value & 0xff
}

/** Reads a big-endian unsigned 32-bit integer at `offset`. */
export function readUint32(bytes: Uint8Array, offset: number): number {
  return (
    ((bytes[offset]! << 24) | (bytes[offset + 1]! << 16) | (bytes[offset + 2]! << 8) | bytes[offset + 3]!) >>>
    0
  )
}

/** Writes a big-endian unsigned 32-bit integer at `offset`. */
export function writeUint32(out: Uint8Array, offset: number, value: number): void {
  out[offset] = value >>> 24
  out[offset + 1] = (value >>> 16) & 0xff
  out[offset + 2] = (value >>> 8) & 0xff
  out[offset + 3] = value & 0xff
}
