/*
 * Compression of ~100 KB LLM-like responses in Redis: bytes stored with and without compression, and
 * set/get throughput per compressor and level through the full pipeline (createCache, no L1, redisStore
 * over ioredis). Compressors: fflate (pure JS) and node:zlib brotli / deflate (@cache/compression-node).
 *
 *   pnpm --filter @cache/bench bench:compression
 *   BENCH_ENTRIES=50 BENCH_ROUNDS=5 REDIS_URL=redis://127.0.0.1:6379 pnpm --filter @cache/bench bench:compression
 *   BENCH_DATA=w5 BENCH_CONFIGS='none,brotli 1,brotli 5' pnpm --filter @cache/bench bench:compression
 *
 * BENCH_DATA=w5 uses the W5 workload's responses (apps/bench/src/lib/values.ts) instead of the richer
 * markdown generator below; BENCH_CONFIGS picks rows by label.
 *
 * Writes only under its own key prefix and removes it at the end.
 */
import { fflateCompressor } from '@cache/compression-fflate'
import { zlibCompressor } from '@cache/compression-node'
import { type Compressor, createCache, createCodec, type EntryMeta } from '@cache/core'
import { redisStore } from '@cache/redis-ioredis'
import { Redis } from 'ioredis'
import { llmResponse } from '../src/lib/values'

const ENTRIES = Number(process.env.BENCH_ENTRIES ?? 50)
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5)
const TARGET_BYTES = 100_000
const url = new URL(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379')
const prefix = `bench-compression-${process.pid}-${Date.now().toString(36)}`

// A deterministic generator of LLM-like markdown: Zipf-distributed words, headings, lists, code blocks.
const WORDS = (
  'the of and to a in is that for it as with was on be by this are or an from at which not have can has ' +
  'model cache response token request latency user data value key server client function return async ' +
  'await error result configuration performance memory redis layer compression context prompt answer ' +
  'example however therefore because important consider between different approach using should would ' +
  'could first second finally also more most each other these those when where while during after ' +
  'before without within through across application system process message stream output input vector ' +
  'embedding retrieval document summary question explanation step strategy pattern implementation'
).split(' ')
const IDENTS = ['cache', 'client', 'getUser', 'ttlMs', 'payload', 'result', 'options', 'fetchData', 'items']

function makeRandom(seed: number) {
  let s = seed >>> 0 || 1
  return () => {
    s ^= s << 13
    s ^= s >>> 17
    s ^= s << 5
    return (s >>> 0) / 0x1_0000_0000
  }
}

function llmText(seed: number): string {
  const random = makeRandom(seed * 2_654_435_761)
  const word = () => WORDS[Math.floor(WORDS.length * random() ** 2.2)]!
  const sentence = () => {
    const n = 8 + Math.floor(random() * 18)
    const words = Array.from({ length: n }, word)
    words[0] = words[0]!.charAt(0).toUpperCase() + words[0]!.slice(1)
    if (random() < 0.3) words.splice(3, 0, `\`${IDENTS[Math.floor(random() * IDENTS.length)]}\``)
    if (random() < 0.2) words.push(String(Math.floor(random() * 10_000)))
    return `${words.join(' ')}.`
  }
  const parts: string[] = []
  let length = 0
  while (length < TARGET_BYTES) {
    const roll = random()
    let block: string
    if (roll < 0.1) block = `## ${sentence().slice(0, -1)}`
    else if (roll < 0.25)
      block = Array.from({ length: 3 + Math.floor(random() * 4) }, () => `- ${sentence()}`).join('\n')
    else if (roll < 0.33) {
      const id = IDENTS[Math.floor(random() * IDENTS.length)]
      block = `\`\`\`ts\nconst ${id} = await cache.getOrSet('${word()}:${Math.floor(random() * 1000)}', () => ${id}Loader(${Math.floor(random() * 100)}), { ttl: '${1 + Math.floor(random() * 59)}m' })\n\`\`\``
    } else block = Array.from({ length: 3 + Math.floor(random() * 5) }, sentence).join(' ')
    parts.push(block)
    length += block.length + 2
  }
  return parts.join('\n\n').slice(0, TARGET_BYTES)
}

function response(i: number) {
  const text = llmText(i + 1)
  return {
    id: `chatcmpl-${i}`,
    model: 'gpt-4o-2024-08-06',
    created: 1_732_500_000 + i,
    choices: [{ index: 0, finish_reason: 'stop', message: { role: 'assistant', content: text } }],
    usage: { prompt_tokens: 512, completion_tokens: Math.round(text.length / 4), total_tokens: 0 },
  }
}

const brotli = zlibCompressor()
const deflate = zlibCompressor({ algorithm: 'deflate' })
const fflate = fflateCompressor()
const allConfigs: { label: string; compressor?: Compressor; level?: number }[] = [
  { label: 'none' },
  ...[1, 3, 6, 9].map((level) => ({ label: `fflate ${level}`, compressor: fflate, level })),
  ...[1, 6].map((level) => ({ label: `deflate ${level}`, compressor: deflate, level })),
  ...[1, 4, 5, 6, 8, 9, 10, 11].map((level) => ({ label: `brotli ${level}`, compressor: brotli, level })),
]
const wanted = process.env.BENCH_CONFIGS?.split(',').map((label) => label.trim())
const configs = allConfigs.filter((config) => !wanted || wanted.includes(config.label))

const client = new Redis({ host: url.hostname, port: Number(url.port || 6379), lazyConnect: true })
await client.connect()
const w5 = process.env.BENCH_DATA === 'w5'
const values = Array.from({ length: ENTRIES }, (_, i) =>
  w5 ? (llmResponse(TARGET_BYTES, i + 1) as ReturnType<typeof response>) : response(i),
)
const rows: string[] = []
const perSec = (count: number, ms: number) => Math.round((count / ms) * 1000)

for (const config of configs) {
  const codec = createCodec(
    config.compressor ? { compressor: config.compressor, compressionLevel: config.level } : {},
  )
  const namespace = `${prefix}-${config.label.replace(' ', '-')}`
  // A store per cache on the one client: closing a cache closes its store (never a caller's client).
  const cache = await createCache({
    store: redisStore({ client }),
    codec,
    namespace,
    defaultTtl: '10m',
    failOnConnectionError: true,
  })

  // Codec alone (no network): seal and open one serialized response.
  const meta: EntryMeta = {
    createdAt: Date.now(),
    expiresAt: Date.now() + 60_000,
    staleUntil: Date.now() + 60_000,
    tags: [],
  }
  const payloads = values.map((v) => codec.serializer.serialize(v))
  // One untimed pass of everything first, so the JIT has compiled fflate and the codec.
  for (const p of payloads) await codec.open(await codec.seal(p, meta))
  for (let i = 0; i < ENTRIES; i++) await cache.get(await cache.set(`r${i}`, values[i]).then(() => `r${i}`))
  let started = performance.now()
  const sealed: Uint8Array[] = []
  for (const p of payloads) sealed.push(await codec.seal(p, meta))
  const sealUs = ((performance.now() - started) * 1000) / payloads.length
  started = performance.now()
  for (const s of sealed) await codec.open(s)
  const openUs = ((performance.now() - started) * 1000) / sealed.length

  started = performance.now()
  for (let round = 0; round < ROUNDS; round++) {
    for (let i = 0; i < ENTRIES; i++) await cache.set(`r${i}`, values[i])
  }
  const setMs = performance.now() - started

  const pipeline = client.pipeline()
  for (let i = 0; i < ENTRIES; i++) {
    pipeline.strlen(`${namespace}:r${i}`)
    pipeline.call('MEMORY', 'USAGE', `${namespace}:r${i}`, 'SAMPLES', '0')
  }
  const replies = (await pipeline.exec()) ?? []
  let strlen = 0
  let memory = 0
  replies.forEach(([error, reply], index) => {
    if (error) throw error
    if (index % 2 === 0) strlen += Number(reply)
    else memory += Number(reply)
  })

  started = performance.now()
  for (let round = 0; round < ROUNDS; round++) {
    for (let i = 0; i < ENTRIES; i++) {
      const got = (await cache.get(`r${i}`)) as ReturnType<typeof response> | undefined
      if (got?.choices[0]?.message.content.length !== values[i]!.choices[0]!.message.content.length) {
        throw new Error(`wrong value for r${i} under ${config.label}`)
      }
    }
  }
  const getMs = performance.now() - started

  const serialized = payloads.reduce((n, p) => n + p.length, 0) / ENTRIES
  rows.push(
    `| ${config.label} | ${Math.round(serialized)} | ${Math.round(strlen / ENTRIES)} | ${Math.round(memory / ENTRIES)} | ` +
      `${(serialized / (strlen / ENTRIES)).toFixed(2)}x | ${perSec(ENTRIES * ROUNDS, setMs)} | ${perSec(ENTRIES * ROUNDS, getMs)} | ` +
      `${Math.round(sealUs)} | ${Math.round(openUs)} |`,
  )
  await cache.clear()
  await cache.close()
}

client.disconnect()

console.log(
  `${ENTRIES} ${w5 ? 'W5 ' : ''}responses of ~${TARGET_BYTES / 1000} KB text, ${ROUNDS} rounds, Redis ${url.host}, Node ${process.version}\n`,
)
console.log(
  '| Compression | Serialized B/entry | STRLEN B/entry | MEMORY USAGE B/entry | Ratio | set ops/s | get ops/s | seal µs | open µs |',
)
console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- |')
for (const row of rows) console.log(row)
