import zlib from 'node:zlib'
import { jsonSerializer } from '@cache/core'
import { llmResponse } from '../src/lib/values'

const s = jsonSerializer()
const json = Buffer.from(JSON.stringify(llmResponse(100_000, 5)))
const payload = s.serialize(llmResponse(100_000, 5))
const C = zlib.constants
function t(name: string, params: Record<number, number>) {
  const opts = { params }
  let out = zlib.brotliCompressSync(payload, opts)
  const n = 200
  let c0 = process.cpuUsage()
  for (let i = 0; i < n; i++) out = zlib.brotliCompressSync(payload, opts)
  let c = process.cpuUsage(c0)
  const comp = (c.user + c.system) / n
  c0 = process.cpuUsage()
  for (let i = 0; i < n; i++) zlib.brotliDecompressSync(out)
  c = process.cpuUsage(c0)
  console.log(
    name.padEnd(30),
    (out.length / json.length).toFixed(3),
    'compress',
    comp.toFixed(0),
    'µs decompress',
    ((c.user + c.system) / n).toFixed(0),
    'µs',
  )
}
for (const q of [1, 2, 3, 4]) {
  t(`q${q}`, { [C.BROTLI_PARAM_QUALITY]: q })
  t(`q${q} text+hint`, {
    [C.BROTLI_PARAM_QUALITY]: q,
    [C.BROTLI_PARAM_MODE]: C.BROTLI_MODE_TEXT,
    [C.BROTLI_PARAM_SIZE_HINT]: payload.length,
  })
  t(`q${q} lgwin 22`, { [C.BROTLI_PARAM_QUALITY]: q, [C.BROTLI_PARAM_LGWIN]: 22 })
}
