// CRC-32 (IEEE 802.3, the zlib/gzip polynomial), slice-by-4 for speed without Node built-ins.
const TABLES = (() => {
  const tables = new Uint32Array(4 * 256)
  for (let n = 0; n < 256; n++) {
    let c = n
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
    tables[n] = c >>> 0
  }
  for (let n = 0; n < 256; n++) {
    let c = tables[n]!
    for (let t = 1; t < 4; t++) {
      c = tables[c & 0xff]! ^ (c >>> 8)
      tables[t * 256 + n] = c >>> 0
    }
  }
  return tables
})()

/** CRC-32 of `bytes` (the checksum zlib and gzip use); detects every burst error up to 32 bits. */
export function crc32(bytes: Uint8Array): number {
  const t = TABLES
  let crc = 0xffffffff
  let i = 0
  const end4 = bytes.length & ~3
  for (; i < end4; i += 4) {
    crc ^= bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24)
    crc =
      t[768 + (crc & 0xff)]! ^
      t[512 + ((crc >>> 8) & 0xff)]! ^
      t[256 + ((crc >>> 16) & 0xff)]! ^
      t[crc >>> 24]!
  }
  for (; i < bytes.length; i++) crc = t[(crc ^ bytes[i]!) & 0xff]! ^ (crc >>> 8)
  return (crc ^ 0xffffffff) >>> 0
}
