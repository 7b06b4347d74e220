import { createCache, type TieredCache } from '@cache/core'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { memoryL1, memoryStore } from '../src/index'

type Op =
  | { op: 'get'; key: string }
  | { op: 'set'; key: string; value: unknown; ttlMs: number }
  | { op: 'delete'; key: string }
  | { op: 'getOrSet'; key: string; value: unknown; ttlMs: number }
  | { op: 'getMany'; keys: string[] }
  | { op: 'clear' }
  | { op: 'advance'; ms: number }
  | { op: 'restart' }

const key = fc.constantFrom('a', 'b', 'c', 'd', 'é', '🙂')
const value = fc.oneof(
  fc.integer(),
  fc.string(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.integer(), { maxLength: 4 }),
  fc.record({ n: fc.integer(), s: fc.string({ maxLength: 5 }) }),
)
const ttlMs = fc.integer({ min: 1, max: 5_000 })
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ op: fc.constant('get' as const), key }),
  fc.record({ op: fc.constant('set' as const), key, value, ttlMs }),
  fc.record({ op: fc.constant('delete' as const), key }),
  fc.record({ op: fc.constant('getOrSet' as const), key, value, ttlMs }),
  fc.record({ op: fc.constant('getMany' as const), keys: fc.array(key, { maxLength: 4 }) }),
  fc.record({ op: fc.constant('clear' as const) }),
  fc.record({ op: fc.constant('advance' as const), ms: fc.integer({ min: 0, max: 3_000 }) }),
  fc.record({ op: fc.constant('restart' as const) }),
)

// A 2-entry TinyLFU L1 over 6 keys rejects and evicts constantly; L2 must still answer correctly.
const l1Variants = [
  { name: 'default L1', options: {} },
  { name: '2-entry tinylfu L1', options: { maxItems: 2, admission: 'tinylfu' as const } },
]

describe.each(l1Variants)('tiered cache ($name) agrees with a Map model', ({ options }) => {
  it('for random sequences of operations with TTLs and an injected clock', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 60 }), async (ops) => {
        let now = 1_700_000_000_000
        const clock = () => now
        const store = memoryStore({ now: clock })
        const open = () =>
          createCache({ store, l1: memoryL1({ ...options, now: clock }), now: clock, namespace: 'model' })
        let cache: TieredCache = await open()
        const model = new Map<string, { value: unknown; expiresAt: number }>()
        const read = (k: string) => {
          const entry = model.get(k)
          return entry && entry.expiresAt > now ? entry.value : undefined
        }
        for (const step of ops) {
          switch (step.op) {
            case 'get':
              expect(await cache.get(step.key)).toEqual(read(step.key))
              break
            case 'set':
              await cache.set(step.key, step.value, { ttl: step.ttlMs })
              model.set(step.key, { value: step.value, expiresAt: now + step.ttlMs })
              break
            case 'delete':
              expect(await cache.delete(step.key)).toBe(read(step.key) !== undefined)
              model.delete(step.key)
              break
            case 'getOrSet': {
              const cached = read(step.key)
              const expected = cached === undefined ? step.value : cached
              if (cached === undefined)
                model.set(step.key, { value: step.value, expiresAt: now + step.ttlMs })
              expect(await cache.getOrSet(step.key, () => step.value, { ttl: step.ttlMs })).toEqual(expected)
              break
            }
            case 'getMany':
              expect(await cache.getMany(step.keys)).toEqual(step.keys.map(read))
              break
            case 'clear':
              await cache.clear()
              model.clear()
              break
            case 'advance':
              now += step.ms
              break
            case 'restart':
              await cache.close()
              cache = await open()
              break
          }
        }
        const s = cache.stats()
        expect(s.hitRatio).toBe(s.hits + s.misses === 0 ? 0 : s.hits / (s.hits + s.misses))
        await cache.close()
      }),
      { numRuns: 200 },
    )
  })
})
