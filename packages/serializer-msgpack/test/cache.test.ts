import { createCache, createCodec, jsonSerializer, ValidationError } from '@cache/core'
import { memoryL1, memoryStore } from '@cache/memory'
import { describe, expect, test } from 'vitest'
import { msgpackSerializer } from '../src/index'

const rich = () => ({
  when: new Date(Date.UTC(2025, 0, 2, 3, 4, 5, 6)),
  index: new Map<unknown, unknown>([
    [1, new Set(['a', 'b'])],
    ['nested', { deep: [1n, -(2n ** 80n)] }],
  ]),
  bytes: new Uint8Array([1, 2, 3]),
  floats: new Float32Array([0.5, -1.25]),
  text: 'Zoë 日本語 🌍',
  missing: undefined,
})

const cacheOver = (store: ReturnType<typeof memoryStore>, serializer = msgpackSerializer()) =>
  createCache({ store, l1: memoryL1(), codec: createCodec({ serializer }), namespace: 'mp' })

describe('msgpackSerializer in a tiered cache', () => {
  test('rich values are equal, type for type, from L1 and from L2', async () => {
    const store = memoryStore()
    const writer = await cacheOver(store)
    await writer.set('k', rich())
    const fromL1 = await writer.get('k')
    const reader = await cacheOver(store)
    const fromL2 = await reader.get('k')
    const backfilled = await reader.get('k')
    expect(reader.stats().tiers.l2.hits).toBe(1)
    expect(reader.stats().tiers.l1.hits).toBe(1)
    for (const value of [fromL1, fromL2, backfilled]) expect(value).toStrictEqual(rich())
  })

  test('a caller mutating a returned value does not change what the next caller gets', async () => {
    const cache = await cacheOver(memoryStore())
    await cache.set('k', rich())
    const first = (await cache.get('k')) as ReturnType<typeof rich>
    first.index.set('extra', 1)
    first.bytes.fill(0)
    first.when.setTime(0)
    expect(await cache.get('k')).toStrictEqual(rich())
  })

  test('functions and symbols are a ValidationError and change nothing', async () => {
    const cache = await cacheOver(memoryStore())
    await expect(cache.set('f', { run: () => 1 })).rejects.toThrow(ValidationError)
    await expect(cache.set('s', Symbol('x'))).rejects.toThrow(ValidationError)
    expect(await cache.get('f')).toBeUndefined()
  })

  test('switching from JSON to msgpack keeps old JSON entries readable', async () => {
    const store = memoryStore()
    await (await cacheOver(store, jsonSerializer())).set('old', { a: [1, 'x'] })
    expect(await (await cacheOver(store)).get('old')).toEqual({ a: [1, 'x'] })
  })

  test('switching back to JSON with msgpack as a reader serves old entries JSON cannot hold', async () => {
    const store = memoryStore()
    await (await cacheOver(store)).set('old', new Map([[1, 'one']]))
    const json = await createCache({
      store,
      l1: memoryL1(),
      codec: createCodec({ readers: { serializers: [msgpackSerializer()] } }),
      namespace: 'mp',
    })
    const errors: unknown[] = []
    json.on('error', (e) => errors.push(e))
    expect(await json.get('old')).toEqual(new Map([[1, 'one']]))
    expect(await json.get('old')).toEqual(new Map([[1, 'one']]))
    expect(errors).toEqual([])
  })
})
