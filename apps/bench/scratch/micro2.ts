import { llmResponse } from '../src/lib/values'

const v = llmResponse(100_000, 3) as any
const content: string = v.choices[0].message.content
const flat = JSON.parse(JSON.stringify(content))
const noNl = content.replace(/\n/g, ' ')
function t(name: string, f: () => unknown) {
  for (let i = 0; i < 200; i++) f()
  const n = 2000
  const t0 = process.cpuUsage()
  for (let i = 0; i < n; i++) f()
  const c = process.cpuUsage(t0)
  console.log(name.padEnd(34), ((c.user + c.system) / n).toFixed(1), 'µs')
}
t('stringify(value)', () => JSON.stringify(v))
t('stringify(content)', () => JSON.stringify(content))
t('stringify(flat content)', () => JSON.stringify(flat))
t('stringify(content without \\n)', () => JSON.stringify(noNl))
t('content.replace escapes', () => content.replace(/[\n"\\]/g, (c) => (c === '\n' ? '\\n' : '\\' + c)))
const re = /["\\\u0000-\u001f\ud800-\udfff]/
t('regex test needs-escape', () => re.test(noNl))
t('split/join \\n', () => '"' + content.split('\n').join('\\n') + '"')
