const encoder = new TextEncoder()

// CRC16-XMODEM (polynomial 0x1021), the checksum Redis Cluster uses for key slots; one table entry per byte.
const TABLE = Array.from({ length: 256 }, (_, byte) => {
  let crc = byte << 8
  for (let bit = 0; bit < 8; bit++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff
  return crc
})

/** The Redis Cluster hash slot (0-16383) of a key; a non-empty `{hash tag}` alone decides it. */
export function keySlot(key: string | Uint8Array): number {
  let bytes = typeof key === 'string' ? encoder.encode(key) : key
  const open = bytes.indexOf(0x7b)
  if (open !== -1) {
    const close = bytes.indexOf(0x7d, open + 1)
    if (close > open + 1) bytes = bytes.subarray(open + 1, close)
  }
  let crc = 0
  for (const byte of bytes) crc = ((crc << 8) & 0xffff) ^ TABLE[((crc >> 8) ^ byte) & 0xff]!
  return crc & 0x3fff
}
