// Counts machine instructions per hot L1 operation with valgrind (callgrind), ours against bare
// lru-cache. Unlike ops/s, instruction counts do not move with the load of a shared machine.
// Usage: pnpm --filter @cache/bench instructions   (needs valgrind; runs the built packages)
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const here = fileURLToPath(import.meta.url)
const [, , variant, countArg] = process.argv

if (variant) {
  await runVariant(variant, Number(countArg))
} else {
  const variants = ['lru get', 'ours get', 'lru get-then-set', 'ours getOrSet']
  const perOp = {}
  for (const name of variants) {
    // The difference between two run lengths cancels start-up and fill.
    const [small, large] = [200_000, 1_200_000].map((n) => instructions(name, n))
    perOp[name] = (large - small) / 1_000_000
    console.log(`${name.padEnd(18)} ${perOp[name].toFixed(0)} instructions per op`)
  }
  console.log(`get: ours / lru-cache = ${(perOp['ours get'] / perOp['lru get']).toFixed(2)}`)
  console.log(
    `getOrSet: ours / lru get-then-set = ${(perOp['ours getOrSet'] / perOp['lru get-then-set']).toFixed(2)}`,
  )
}

function instructions(name, n) {
  const run = spawnSync(
    'valgrind',
    ['--tool=callgrind', '--callgrind-out-file=/dev/null', process.execPath, here, name, String(n)],
    { encoding: 'utf8' },
  )
  const collected = /Collected : (\d+)/.exec(run.stderr ?? '')?.[1]
  if (run.status !== 0 || collected === undefined) {
    throw new Error(`valgrind failed for ${name}: ${run.error?.message ?? run.stderr?.slice(-500)}`)
  }
  return Number(collected)
}

async function runVariant(name, count) {
  const { createCache } = await import('@cache/core')
  const { memoryL1 } = await import('@cache/memory')
  const { LRUCache } = await import('lru-cache')
  const keyOf = (id) => `user:${id}`
  // The W1 access pattern: uniform over 10k keys from a fixed seed (mulberry32).
  let seed = 7
  const random = () => {
    seed = (seed + 0x6d2b79f5) >>> 0
    let t = seed
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  const order = Uint32Array.from({ length: 1 << 16 }, () => Math.floor(random() * 10_000))
  const value = (id) => ({ id, name: `User ${id}`, tags: ['a', 'b'], bio: 'lorem ipsum '.repeat(60) })
  const ttl = 3_600_000
  let op
  if (name.startsWith('lru')) {
    const lru = new LRUCache({ max: 20_000 })
    for (let i = 0; i < 10_000; i++) lru.set(keyOf(i), value(i), { ttl })
    op =
      name === 'lru get'
        ? (key) => lru.get(key)
        : async (key) => {
            const hit = lru.get(key)
            if (hit !== undefined) return hit
            const loaded = value(0)
            lru.set(key, loaded, { ttl })
            return loaded
          }
  } else {
    const cache = await createCache({ l1: memoryL1({ maxItems: 20_000 }) })
    for (let i = 0; i < 10_000; i++) await cache.set(keyOf(i), value(i), { ttl })
    op = name === 'ours get' ? (key) => cache.get(key) : (key) => cache.getOrSet(key, () => value(0), { ttl })
  }
  for (let i = 0; i < count; i++) await op(keyOf(order[i & 0xffff]))
}
