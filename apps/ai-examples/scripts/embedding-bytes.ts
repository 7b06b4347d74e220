// Measures what one 1,536-dim embedding costs in L2: the AI cache's float32 form against JSON arrays.
// Run: pnpm --filter @cache/ai-examples embedding-bytes
import { createAiCache, createCache, createCodec, jsonSerializer } from '@cache/core'
import { memoryStore } from '@cache/memory'
import { fakeEmbedding } from '../src/fake-model'

const DIMS = 1536
const vector = fakeEmbedding('bytes per vector', DIMS)
const store = memoryStore()
const cache = await createCache({ store, namespace: 'bytes' })
const ai = createAiCache({ cache })
await ai.getOrEmbedMany(['bytes per vector'], { model: 'text-embedding-3-small' }, () => [vector])
let stored = 0
for await (const key of store.keys('bytes:')) stored = (await store.get(key))!.length

const codec = createCodec()
const meta = { createdAt: Date.now(), expiresAt: Date.now() + 1, staleUntil: Date.now() + 1, tags: [] }
const entryBytes = async (value: unknown) =>
  (await codec.seal(jsonSerializer().serialize(value), meta)).length
// A float32 printed as a JS number needs ~17 significant digits; APIs that round send ~10.
const asDoubles = Array.from(vector)
const asApiJson = asDoubles.map((v) => Number(v.toPrecision(10)))

const rows = [
  ['raw float32 bytes', DIMS * 4],
  ['AI cache entry in L2 (base64 float32 in JSON + envelope)', stored],
  ['JSON number array, float32 values as doubles (+ envelope)', await entryBytes(asDoubles)],
  ['JSON number array, 10 significant digits (+ envelope)', await entryBytes(asApiJson)],
] as const
for (const [what, bytes] of rows)
  console.log(`${String(bytes).padStart(7)} B  ${(bytes / DIMS).toFixed(2)} B/dim  ${what}`)
await cache.close()
