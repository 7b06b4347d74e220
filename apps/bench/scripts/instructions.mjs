// Counts machine instructions and simulated cache misses per hot L1 operation with valgrind
// (cachegrind, a 2 MB last-level cache like this machine's L2), ours against bare lru-cache. Unlike
// ops/s, neither moves with the load of a shared machine. With the same instruction count, each extra
// miss per op costs tens of ns: that is what separates a hot hit from bare lru-cache's (W1).
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
    const [small, large] = [200_000, 1_200_000].map((n) => counts(name, n))
    perOp[name] = (large.instructions - small.instructions) / 1_000_000
    const misses = (large.readMisses - small.readMisses) / 1_000_000
    console.log(
      `${name.padEnd(18)} ${perOp[name].toFixed(0)} instructions, ${misses.toFixed(2)} cache read misses per op`,
    )
  }
  console.log(`get: ours / lru-cache = ${(perOp['ours get'] / perOp['lru get']).toFixed(2)}`)
  console.log(
    `getOrSet: ours / lru get-then-set = ${(perOp['ours getOrSet'] / perOp['lru get-then-set']).toFixed(2)}`,
  )
}

function counts(name, n) {
  const run = spawnSync(
    'valgrind',
    [
      '--tool=cachegrind',
      '--cache-sim=yes',
      '--LL=2097152,16,64',
      '--cachegrind-out-file=/dev/null',
      process.execPath,
      // One GC thread and no concurrent compilers: the heap layout, hence the misses, repeat run to run.
      '--single-threaded',
      here,
      name,
      String(n),
    ],
    { encoding: 'utf8' },
  )
  const number = (pattern) => Number(pattern.exec(run.stderr ?? '')?.[1]?.replaceAll(',', ''))
  const instructions = number(/I\s+refs:\s+([\d,]+)/)
  const readMisses = number(/LLd misses:\s+[\d,]+\s+\(\s*([\d,]+) rd/)
  if (run.status !== 0 || Number.isNaN(instructions) || Number.isNaN(readMisses)) {
    throw new Error(`valgrind failed for ${name}: ${run.error?.message ?? run.stderr?.slice(-500)}`)
  }
  return { instructions, readMisses }
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
