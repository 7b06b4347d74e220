// CRC-32 (IEEE 802.3, the zlib/gzip polynomial), slice-by-8 for speed without Node built-ins. The tables
// are an Int32Array so every lookup stays a small integer for V8 (a Uint32Array hands back doubles above
// 2^31): with 8 bytes per step this is about twice as fast as slice-by-4, and every L2 read and write
// checksums its whole entry.
const TABLES = (() => {
  const tables = new Int32Array(8 * 256)
  for (let n = 0; n < 256; n++) {
    let c = n
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
    tables[n] = c
  }
  for (let n = 0; n < 256; n++) {
    let c = tables[n]!
    for (let t = 1; t < 8; t++) {
      c = tables[c & 0xff]! ^ (c >>> 8)
      tables[t * 256 + n] = c
    }
  }
  return tables
})()

/** CRC-32 of `bytes` (the checksum zlib and gzip use); detects every burst error up to 32 bits. */
export function crc32(bytes: Uint8Array): number {
  const t = TABLES
  let crc = -1
  let i = 0
  const end8 = bytes.length & ~7
  for (; i < end8; i += 8) {
    const a = crc ^ (bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24))
    const b = bytes[i + 4]! | (bytes[i + 5]! << 8) | (bytes[i + 6]! << 16) | (bytes[i + 7]! << 24)
    crc =
      t[1792 + (a & 0xff)]! ^
      t[1536 + ((a >>> 8) & 0xff)]! ^
      t[1280 + ((a >>> 16) & 0xff)]! ^
      t[1024 + (a >>> 24)]! ^
      t[768 + (b & 0xff)]! ^
      t[512 + ((b >>> 8) & 0xff)]! ^
      t[256 + ((b >>> 16) & 0xff)]! ^
      t[b >>> 24]!
  }
  for (; i < bytes.length; i++) crc = t[(crc ^ bytes[i]!) & 0xff]! ^ (crc >>> 8)
  return (crc ^ -1) >>> 0
}
