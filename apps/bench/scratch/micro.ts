import { crc32 } from 'node:zlib'
import { llmResponse } from '../src/lib/values'

const v = llmResponse(100_000, 3)
const s = JSON.stringify(v)
const buf = Buffer.from(s)
const u8 = new Uint8Array(buf)
const td = new TextDecoder()
const te = new TextEncoder()
const out = new Uint8Array(buf.length + 100)
function t(name: string, f: () => unknown) {
  for (let i = 0; i < 200; i++) f()
  const n = 2000
  const t0 = process.cpuUsage()
  for (let i = 0; i < n; i++) f()
  const c = process.cpuUsage(t0)
  console.log(name.padEnd(28), ((c.user + c.system) / n).toFixed(1), 'µs')
}
t('JSON.stringify', () => JSON.stringify(v))
t('JSON.parse', () => JSON.parse(s))
t('TextDecoder.decode', () => td.decode(u8))
t('buf.toString', () => buf.toString())
t('buf.utf8Slice', () => (buf as any).utf8Slice(0, buf.length))
t('buf.latin1Slice', () => (buf as any).latin1Slice(0, buf.length))
t('crc32 native', () => crc32(u8))
t('encodeInto', () => te.encodeInto(s, out))
t('Buffer.from(str)', () => Buffer.from(s))
t('Buffer.byteLength', () => Buffer.byteLength(s))
t('isAscii', () => require('node:buffer').isAscii(u8))
