import { llmResponse } from '../src/lib/values'

const v = llmResponse(100_000, 3) as any
const content: string = v.choices[0].message.content
const te = new TextEncoder()
const out = new Uint8Array(300_000)
function t(name: string, f: () => unknown) {
  for (let i = 0; i < 300; i++) f()
  const n = 3000
  const t0 = process.cpuUsage()
  for (let i = 0; i < n; i++) f()
  const c = process.cpuUsage(t0)
  console.log(name.padEnd(34), ((c.user + c.system) / n).toFixed(1), 'µs')
}
const { written } = te.encodeInto(content, out)
const bytes = out.subarray(0, written!)
function scan(b: Uint8Array) {
  let n = 0
  for (let i = 0; i < b.length; i++) {
    const c = b[i]!
    if (c < 0x20 || c === 0x22 || c === 0x5c) n++
  }
  return n
}
// SWAR: bytes < 0x20, == 0x22, == 0x5c, over 32-bit words
function scanSwar(b: Uint8Array) {
  const words = new Uint32Array(b.buffer, b.byteOffset, b.length >>> 2)
  let n = 0
  for (let i = 0; i < words.length; i++) {
    const x = words[i]!
    const lt = (x - 0x20202020) & ~x & 0x80808080
    const q = x ^ 0x22222222
    const hq = (q - 0x01010101) & ~q & 0x80808080
    const s = x ^ 0x5c5c5c5c
    const hs = (s - 0x01010101) & ~s & 0x80808080
    if ((lt | hq | hs) !== 0) n++
  }
  return n
}
t('isWellFormed', () => content.isWellFormed())
t('encodeInto', () => te.encodeInto(content, out))
t('byte scan', () => scan(bytes))
t('swar scan', () => scanSwar(bytes))
console.log(scan(bytes), scanSwar(bytes))
