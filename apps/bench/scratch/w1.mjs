import { createCache } from '@cache/core'
import { memoryL1 } from '@cache/memory'
import { LRUCache } from 'lru-cache'

const which = process.argv[2]
const keyOf = (id) => `user:${id}`
let seed = 7
const random = () => {
  seed = (seed + 0x6d2b79f5) >>> 0
  let t = seed
  t = Math.imul(t ^ (t >>> 15), t | 1)
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296
}
const order = Uint32Array.from({ length: 1 << 16 }, () => Math.floor(random() * 10_000))
const kb = (id) => ({
  id,
  name: `User ${id}`,
  email: `user${id}@example.com`,
  active: id % 3 !== 0,
  roles: ['reader', id % 2 === 0 ? 'writer' : 'guest'],
  address: { street: `${id} Long Street`, city: 'Springfield', zip: `${10000 + (id % 89999)}` },
  scores: [id % 7, id % 11, id % 13, id % 17, id % 19],
  createdAt: '2026-01-01T00:00:00.000Z',
  bio: 'lorem ipsum dolor sit amet consectetur adipiscing elit '.repeat(14).slice(0, 720),
})
let op
if (which === 'lru') {
  const lru = new LRUCache({ max: 20000 })
  for (let i = 0; i < 10000; i++) lru.set(keyOf(i), kb(i), { ttl: 3600000 })
  op = (i) => lru.get(keyOf(order[i & 0xffff]))
} else {
  const cache = await createCache({ l1: memoryL1({ maxItems: 20000 }) })
  for (let i = 0; i < 10000; i++) await cache.set(keyOf(i), kb(i), { ttl: 3600000 })
  op = (i) => cache.get(keyOf(order[i & 0xffff]))
}
let i = 0
async function run(ms) {
  const end = performance.now() + ms
  let n = 0
  do {
    for (let j = 0; j < 1024; j++) await op(i++)
    n += 1024
  } while (performance.now() < end)
  return n
}
await run(300)
const res = []
for (let r = 0; r < Number(process.argv[3] ?? 3); r++) {
  const c0 = process.cpuUsage()
  const n = await run(Number(process.argv[4] ?? 400))
  const c = process.cpuUsage(c0)
  res.push(n / (c.user + c.system))
}
console.log(which, res.map((x) => x.toFixed(2)).join(' '), 'M ops/CPU-s')
