import { createCache } from '@cache/core'
import { memoryL1 } from '@cache/memory'
import { LRUCache } from 'lru-cache'

const [which, countArg] = process.argv.slice(2)
const count = Number(countArg)
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
} else if (which === 'lruopts') {
  const lru = new LRUCache({ max: 20000, maxSize: 2 ** 40, sizeCalculation: () => 100, dispose: () => {} })
  for (let i = 0; i < 10000; i++) lru.set(keyOf(i), kb(i), { ttl: 3600000 })
  op = (i) => lru.get(keyOf(order[i & 0xffff]))
} else if (which === 'lruentry') {
  const lru = new LRUCache({ max: 20000 })
  for (let i = 0; i < 10000; i++) {
    const v = kb(i)
    Object.freeze(v)
    lru.set(
      keyOf(i),
      {
        expiresAt: Date.now() + 3600000,
        resolved: Promise.resolve(v),
        createdAt: Date.now(),
        staleUntil: Date.now() + 3600000,
        tags: [],
        value: v,
        payload: undefined,
        size: 100,
      },
      { ttl: 3600000 },
    )
  }
  op = (i) => {
    const e = lru.get(keyOf(order[i & 0xffff]))
    return e.expiresAt > Date.now() ? e.resolved : undefined
  }
} else if (which === 'lrusmi') {
  const base = Date.now()
  const lru = new LRUCache({ max: 20000 })
  for (let i = 0; i < 10000; i++) {
    const v = kb(i)
    Object.freeze(v)
    lru.set(
      keyOf(i),
      {
        hotUntil: 3600000,
        resolved: Promise.resolve(v),
        expiresAt: Date.now() + 3600000,
        createdAt: Date.now(),
        staleUntil: Date.now() + 3600000,
        tags: [],
        value: v,
        payload: undefined,
        size: 100,
      },
      { ttl: 3600000 },
    )
  }
  op = (i) => {
    const e = lru.get(keyOf(order[i & 0xffff]))
    return e.hotUntil > Date.now() - base ? e.resolved : undefined
  }
} else if (which === 'lrupromise') {
  class E extends Promise {}
  Object.defineProperty(E.prototype, 'constructor', { value: Promise })
  const lru = new LRUCache({ max: 20000 })
  for (let i = 0; i < 10000; i++) {
    const v = kb(i)
    Object.freeze(v)
    const e = new E((r) => r(v))
    e.expiresAt = Date.now() + 3600000
    e.createdAt = Date.now()
    e.staleUntil = e.expiresAt
    e.tags = []
    e.value = v
    e.payload = undefined
    e.size = 100
    lru.set(keyOf(i), e, { ttl: 3600000 })
  }
  op = (i) => {
    const e = lru.get(keyOf(order[i & 0xffff]))
    return e.expiresAt > Date.now() ? e : undefined
  }
} else if (which === 'lrufresh') {
  const lru = new LRUCache({ max: 20000 })
  for (let i = 0; i < 10000; i++) {
    const v = kb(i)
    Object.freeze(v)
    lru.set(
      keyOf(i),
      {
        expiresAt: Date.now() + 3600000,
        value: v,
        createdAt: Date.now(),
        staleUntil: Date.now() + 3600000,
        tags: [],
        payload: undefined,
        size: 100,
      },
      { ttl: 3600000 },
    )
  }
  op = (i) => {
    const e = lru.get(keyOf(order[i & 0xffff]))
    return e.expiresAt > Date.now() ? Promise.resolve(e.value) : undefined
  }
} else if (which === 'lruentry2') {
  const lru = new LRUCache({ max: 20000 })
  for (let i = 0; i < 10000; i++) {
    const v = kb(i)
    Object.freeze(v)
    lru.set(
      keyOf(i),
      {
        expiresAt: Date.now() + 3600000,
        resolved: Promise.resolve(v),
        createdAt: Date.now(),
        staleUntil: Date.now() + 3600000,
        tags: [],
        value: v,
        payload: undefined,
        size: 100,
      },
      { ttl: 3600000 },
    )
  }
  op = (i) => {
    const e = lru.get(keyOf(order[i & 0xffff]))
    return e.expiresAt > Date.now() ? e.resolved : undefined
  }
} else {
  const cache = await createCache({ l1: memoryL1({ maxItems: 20000 }) })
  for (let i = 0; i < 10000; i++) await cache.set(keyOf(i), kb(i), { ttl: 3600000 })
  op = (i) => cache.get(keyOf(order[i & 0xffff]))
}
for (let i = 0; i < count; i++) await op(i)
