import { llmResponse } from '../src/lib/values'

const s = JSON.stringify(llmResponse(100_000, 3))
const u8 = new TextEncoder().encode(s)
const fatal = new TextDecoder('utf-8', { fatal: true })
const loose = new TextDecoder()
const u8e = new TextEncoder().encode(s.slice(0, 50000) + 'é' + s.slice(50000))
function t(name: string, f: () => unknown) {
  for (let i = 0; i < 300; i++) f()
  const n = 3000
  const t0 = process.cpuUsage()
  for (let i = 0; i < n; i++) f()
  const c = process.cpuUsage(t0)
  console.log(name.padEnd(34), ((c.user + c.system) / n).toFixed(1), 'µs')
}
t('fatal', () => fatal.decode(u8))
t('loose', () => loose.decode(u8))
t('loose + indexOf FFFD', () => loose.decode(u8).indexOf('\uFFFD'))
t('fatal (1 non-ascii)', () => fatal.decode(u8e))
t('loose (1 non-ascii)', () => loose.decode(u8e))
t('loose+indexOf (1 non-ascii)', () => loose.decode(u8e).indexOf('\uFFFD'))
