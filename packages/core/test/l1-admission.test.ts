import { describe, expect, it } from 'vitest'
import { createCache, createCodec, jsonSerializer, type L1Entry, type L1Tier } from '../src/index'
import { mapL1, mapStore } from './helpers/stores'

/** A map L1 whose admission refuses keys starting with `cold:`, counting what it is asked and given. */
function refusingL1(): L1Tier & { data: Map<string, L1Entry>; asked: string[]; sets: string[] } {
  const base = mapL1()
  const asked: string[] = []
  const sets: string[] = []
  return Object.assign(base, {
    asked,
    sets,
    admits(key: string, size: number) {
      expect(size).toBeGreaterThan(0)
      asked.push(key)
      return !key.startsWith('cold:')
    },
    set(key: string, entry: L1Entry) {
      sets.push(key)
      base.data.set(key, entry)
    },
  })
}

/** The JSON serializer, counting its decodes. */
function countingCodec() {
  const json = jsonSerializer()
  const counts = { decodes: 0 }
  const serializer = {
    id: json.id,
    serialize: (value: unknown) => json.serialize(value),
    deserialize: (bytes: Uint8Array) => {
      counts.decodes++
      return json.deserialize(bytes)
    },
  }
  return { codec: createCodec({ serializer }), counts }
}

describe('an L1 with admits()', () => {
  it('is asked before an entry is built: a refused load decodes once and builds no entry', async () => {
    const l1 = refusingL1()
    const { codec, counts } = countingCodec()
    const cache = await createCache({ l1, store: mapStore(), codec, namespace: 'adm' })
    const value = await cache.getOrSet('cold:1', () => ({ nested: { n: 1 } }))
    expect(value).toEqual({ nested: { n: 1 } })
    expect(l1.asked).toEqual(['cold:1'])
    expect(l1.sets).toEqual([])
    expect(l1.data.size).toBe(0)
    // One decode, for the callers: none for an L1 entry nobody would keep.
    expect(counts.decodes).toBe(1)
    // Frozen as an L1 copy would be: callers joined on the load share this value.
    expect(Object.isFrozen(value) && Object.isFrozen(value.nested)).toBe(true)
    expect(cache.stats()).toMatchObject({ loads: 1, sets: 1, misses: 1 })
    await cache.close()
  })

  it('builds and keeps the entry it admits, and hands the loader the same frozen value as later hits', async () => {
    const l1 = refusingL1()
    const { codec, counts } = countingCodec()
    const cache = await createCache({ l1, store: mapStore(), codec, namespace: 'adm' })
    const value = await cache.getOrSet('hot:1', () => ({ n: 1 }))
    expect(l1.sets).toEqual(['hot:1'])
    expect(counts.decodes).toBe(1)
    expect(await cache.get('hot:1')).toBe(value)
    expect(Object.isFrozen(value)).toBe(true)
    await cache.close()
  })

  it('builds no entry for a refused L2 read, serves it frozen, and reads L2 again next time', async () => {
    const store = mapStore()
    const writer = await createCache({ store, namespace: 'adm' })
    await writer.set('cold:2', { list: [1, 2] })
    const l1 = refusingL1()
    const { codec, counts } = countingCodec()
    const reader = await createCache({ l1, store, codec, namespace: 'adm' })
    const first = await reader.get<{ list: number[] }>('cold:2')
    expect(first).toEqual({ list: [1, 2] })
    expect(Object.isFrozen(first) && Object.isFrozen(first?.list)).toBe(true)
    expect(l1.sets).toEqual([])
    expect(counts.decodes).toBe(1)
    const second = await reader.get('cold:2')
    expect(second).toEqual(first)
    expect(second).not.toBe(first)
    expect(reader.stats().tiers.l2).toMatchObject({ hits: 2, misses: 0 })
    await Promise.all([writer.close(), reader.close()])
  })

  it('hands getOrSetMany callers frozen values for keys it refuses, and keeps the ones it admits', async () => {
    const l1 = refusingL1()
    const cache = await createCache({ l1, store: mapStore(), namespace: 'adm' })
    const [cold, hot] = await cache.getOrSetMany(['cold:4', 'hot:4'], (keys) =>
      keys.map((key) => ({ key, list: [1] })),
    )
    expect(cold).toEqual({ key: 'cold:4', list: [1] })
    expect(Object.isFrozen(cold) && Object.isFrozen((cold as { list: number[] }).list)).toBe(true)
    expect(l1.sets).toEqual(['hot:4'])
    expect(await cache.get('hot:4')).toBe(hot)
    await cache.close()
  })

  it('makes set() decode nothing for a key it refuses', async () => {
    const l1 = refusingL1()
    const { codec, counts } = countingCodec()
    const cache = await createCache({ l1, store: mapStore(), codec, namespace: 'adm' })
    await cache.set('cold:3', { n: 3 })
    await cache.set('hot:3', { n: 3 })
    expect(l1.sets).toEqual(['hot:3'])
    expect(counts.decodes).toBe(1)
    expect(await cache.get('cold:3')).toEqual({ n: 3 })
    await cache.close()
  })
})
