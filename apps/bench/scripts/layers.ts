/*
 * A workload's loop in one process, through one layer of our stack at a time, to see what each costs:
 * ops/s, CPU (user, system) and GC pause per operation, p99, and how much of the p99 tail GC pauses
 * make (the share of calls a pause overlapped, and the p99 of the calls none did). Three loops:
 *   w2:  W2's (Redis only, 80/20 get/set, 50 concurrent callers, 1 KB values);
 *   w6:  W6's (read-through of 100 keys, 50 cached and 50 new: one read, one loader call, one pipelined
 *        write of the 50 loaded values; 10 concurrent callers; an operation is a batch);
 *   w6b: W6b's (getMany of 100 cached 1 KB keys, 10 concurrent callers; an operation is a batch).
 *
 *   pnpm --filter @cache/bench w2:layers            # every layer, 3 s each, each in a fresh process
 *   pnpm --filter @cache/bench w6:layers
 *   pnpm --filter @cache/bench w6b:layers
 *   BENCH_LAYERS=bare,cache BENCH_MS=5000 pnpm --filter @cache/bench w2:layers
 *
 * Runs the built `dist` of our packages, as the bench does (`pnpm build` first); from TypeScript source
 * (`--conditions=source`) the cache layer measured 5-10 % slower.
 *
 * Layers: bare (ioredis with JSON text), store (our redisStore with JSON bytes: the write coalescer,
 * MGET as buffers), codec (plus createCodec: envelope, CRC-32, checked serializer), cache (createCache:
 * timeouts, breaker, stats). Writes only under its own key prefix and removes it at the end.
 */
import { spawnSync } from 'node:child_process'
import { PerformanceObserver } from 'node:perf_hooks'
import { crc32 } from 'node:zlib'
import { createCache, createCodec, type EntryMeta } from '@cache/core'
import { redisStore } from '@cache/redis-ioredis'
import { Redis } from 'ioredis'
import { concurrentLoop } from '../src/lib/loops'
import { uniformSamples } from '../src/lib/random'
import { deletePrefix } from '../src/lib/redis'
import { gcTail, Latencies } from '../src/lib/stats'
import { kbObject } from '../src/lib/values'

const LOOP = process.argv[2] ?? 'w2'
if (LOOP !== 'w2' && LOOP !== 'w6' && LOOP !== 'w6b') throw new Error(`unknown loop ${LOOP}: w2, w6 or w6b`)
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'
const MS = Number(process.env.BENCH_MS ?? 3_000)
const LAYERS = (process.env.BENCH_LAYERS ?? 'bare,store,codec,cache').split(',')
const TTL_MS = 600_000
const COUNT = 5_000

interface Layer {
  get(key: string): Promise<unknown>
  getMany(keys: string[]): Promise<unknown[]>
  set(key: string, value: unknown): Promise<unknown>
  /** W6's read-through: the values of `keys`, loading and writing the missing ones in one batch. */
  getOrSetMany(keys: string[], load: (missing: string[]) => unknown[]): Promise<unknown[]>
  close(): Promise<unknown>
}

/**
 * Read-through over a layer's batch read and batch write, as bare ioredis does it in the bench: one read,
 * one loader call for the misses, one pipelined write of what was loaded.
 */
function readThrough(
  getMany: (keys: string[]) => Promise<unknown[]>,
  setMany: (entries: [string, unknown][]) => Promise<unknown>,
): Layer['getOrSetMany'] {
  return async (keys, load) => {
    const values = await getMany(keys)
    const missing = keys.filter((_, i) => values[i] === undefined)
    if (missing.length === 0) return values
    const loaded = load(missing)
    let j = 0
    for (let i = 0; i < values.length; i++) if (values[i] === undefined) values[i] = loaded[j++]
    await setMany(missing.map((key, m) => [key, loaded[m]]))
    return values
  }
}

async function open(layer: string, prefix: string): Promise<Layer> {
  const codec = createCodec({ crc32 })
  if (layer === 'bare') {
    const redis = new Redis(REDIS_URL)
    const getMany = async (ks: string[]) =>
      (await redis.mget(ks.map((k) => prefix + k))).map((text) =>
        text === null ? undefined : JSON.parse(text),
      )
    return {
      get: async (k) => {
        const text = await redis.get(prefix + k)
        return text === null ? undefined : JSON.parse(text)
      },
      getMany,
      set: (k, v) => redis.set(prefix + k, JSON.stringify(v), 'PX', TTL_MS),
      getOrSetMany: readThrough(getMany, (entries) => {
        const pipeline = redis.pipeline()
        for (const [k, v] of entries) pipeline.set(prefix + k, JSON.stringify(v), 'PX', TTL_MS)
        return pipeline.exec()
      }),
      close: async () => redis.disconnect(),
    }
  }
  if (layer === 'store' || layer === 'codec') {
    const store = redisStore({ url: REDIS_URL })
    const encoder = new TextEncoder()
    const decoder = new TextDecoder()
    // The codec layer seals and opens as the cache does for unencrypted entries: synchronously.
    const read =
      layer === 'store'
        ? (bytes: Uint8Array) => JSON.parse(decoder.decode(bytes))
        : (bytes: Uint8Array) => codec.openSync!(bytes)!.value
    const write =
      layer === 'store'
        ? (value: unknown) => encoder.encode(JSON.stringify(value))
        : (value: unknown) => {
            const now = Date.now()
            const meta: EntryMeta = {
              createdAt: now,
              expiresAt: now + TTL_MS,
              staleUntil: now + TTL_MS,
              tags: [],
            }
            return codec.sealSync!(codec.serializer.serialize(value), meta)!
          }
    const getMany = async (ks: string[]) =>
      (await store.getMany(ks.map((k) => prefix + k))).map((bytes) =>
        bytes === undefined ? undefined : read(bytes),
      )
    return {
      get: async (k) => {
        const bytes = await store.get(prefix + k)
        return bytes === undefined ? undefined : read(bytes)
      },
      getMany,
      set: (k, v) => store.set(prefix + k, write(v), TTL_MS),
      getOrSetMany: readThrough(getMany, (entries) =>
        store.setMany(entries.map(([k, v]) => ({ key: prefix + k, value: write(v), ttlMs: TTL_MS }))),
      ),
      close: () => store.close(),
    }
  }
  if (layer !== 'cache') throw new Error(`unknown layer ${layer}: bare, store, codec or cache`)
  const cache = await createCache({
    store: redisStore({ url: REDIS_URL }),
    codec,
    namespace: prefix.slice(0, -1),
  })
  return {
    get: (k) => cache.get(k),
    getMany: (ks) => cache.getMany(ks),
    set: (k, v) => cache.set(k, v, { ttl: TTL_MS }),
    getOrSetMany: (ks, load) => cache.getOrSetMany(ks, async (missing) => load(missing), { ttl: TTL_MS }),
    close: () => cache.close(),
  }
}

if (LAYERS.length > 1) {
  // One fresh process per layer: a layer run after others inherits their heap and compiled code.
  for (const layer of LAYERS) {
    spawnSync(process.execPath, [...process.execArgv, process.argv[1]!, LOOP], {
      stdio: 'inherit',
      env: { ...process.env, BENCH_LAYERS: layer },
    })
  }
  process.exit(0)
}

const keys = Array.from({ length: COUNT }, (_, i) => `item:${i}`)
// Only W2's loop writes values it keeps. Kept for W6 too, they taught V8 that objects from kbObject's
// literals live long (5,000 of them, all alive at the first scavenges), and it then allocated the loader's
// objects straight in the old generation in some layers: the cache layer measured ~2x its CPU per batch.
const values = LOOP === 'w2' ? keys.map((_, i) => kbObject(i)) : undefined
const valueAt = (i: number) => values?.[i] ?? kbObject(i)
const order = uniformSamples(COUNT, 1 << 16, 11)
/** W6b reads 10 batches of 100 consecutive keys in turn. */
const batches = Array.from({ length: 10 }, (_, b) => keys.slice(b * 100, b * 100 + 100))
const concurrency = LOOP === 'w2' ? 50 : 10
for (const name of LAYERS) {
  const prefix = `bench-layers-${process.pid}-${name}:`
  const layer = await open(name, prefix)
  for (let i = 0; i < COUNT; i += 50)
    await Promise.all(keys.slice(i, i + 50).map((k, j) => layer.set(k, valueAt(i + j))))
  const w2 = async (i: number) => {
    const k = order[i & 0xffff]!
    if (i % 5 === 0) await layer.set(keys[k]!, valueAt(k))
    else if ((await layer.get(keys[k]!)) === undefined) throw new Error(`${name} lost ${keys[k]}`)
  }
  const w6b = async (i: number) => {
    const found = await layer.getMany(batches[i % batches.length]!)
    if (found.length !== 100 || found.includes(undefined)) throw new Error(`${name} lost part of a batch`)
  }
  // W6: even positions walk the cached keys, odd ones are keys no batch asked for before.
  const load = (missing: string[]) => missing.map((k) => kbObject(Number(k.slice(k.lastIndexOf(':') + 1))))
  // Its own counter: each concurrentLoop call below counts from 0 again, and new keys must stay new.
  let batchNo = 0
  const w6 = async () => {
    const n = batchNo++
    const start = (n * 50) % 1_000
    const batch = Array.from({ length: 100 }, (_, j) =>
      j % 2 === 0 ? keys[(start + j / 2) % 1_000]! : `new:${n}:${j}`,
    )
    const found = await layer.getOrSetMany(batch, load)
    if (found.length !== 100 || found.includes(undefined)) throw new Error(`${name} lost part of a batch`)
  }
  const op = LOOP === 'w2' ? w2 : LOOP === 'w6' ? w6 : w6b
  await concurrentLoop(op, { concurrency, durationMs: 1_000, warmupMs: 0 })
  // GC pauses during the measured loop: a structure that keeps garbage reachable (the deadline queue's
  // dropped links did) shows up here before it shows up in ops/s, and they make most of our W2 p99.
  const pauses: [number, number][] = []
  const gc = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) pauses.push([entry.startTime, entry.startTime + entry.duration])
  })
  gc.observe({ entryTypes: ['gc'] })
  // Each call's start and end, to tell the calls a GC pause held up from the others.
  const starts = new Latencies()
  const ends = new Latencies()
  const timed = async (i: number) => {
    const start = performance.now()
    await op(i)
    starts.push(start)
    ends.push(performance.now())
  }
  const before = process.cpuUsage()
  const result = await concurrentLoop(timed, { concurrency, durationMs: MS, warmupMs: 0 })
  const cpu = process.cpuUsage(before)
  gc.disconnect()
  const gcMs = pauses.reduce((sum, [start, end]) => sum + end - start, 0)
  const tail = gcTail(starts.values(), ends.values(), pauses)
  const share = (x: number) => `${(x * 100).toFixed(1)} %`
  console.log(
    `${name.padEnd(6)} ${Math.round(result.opsPerSec).toLocaleString('en-US').padStart(8)} ops/s  ` +
      `user ${(cpu.user / result.ops).toFixed(2)} µs  system ${(cpu.system / result.ops).toFixed(2)} µs per op  ` +
      `GC ${((gcMs * 1000) / result.ops).toFixed(2)} µs per op  p99 ${result.latencies.percentile(99).toFixed(2)} ms  ` +
      `calls a GC overlapped: ${share(tail.inGc)} of all, ${share(tail.tailInGc)} of the p99 tail; ` +
      `p99 of the others ${tail.p99WithoutGc.toFixed(2)} ms`,
  )
  await layer.close()
  const redis = new Redis(REDIS_URL)
  await deletePrefix(redis, prefix)
  redis.disconnect()
}
process.exit(0)
