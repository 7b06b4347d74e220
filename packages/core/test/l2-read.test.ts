import { describe, expect, it } from 'vitest'
import { createCache, createCodec } from '../src/index'
import { mapL1, mapStore } from './helpers/stores'

// A serializer that decodes to a Map: freezing cannot protect one, so L1 keeps bytes.
const mapSerializer = {
  id: 'test-map',
  serialize: (value: unknown) =>
    new TextEncoder().encode(JSON.stringify([...(value as Map<string, number>)])),
  deserialize: (bytes: Uint8Array) => new Map<string, number>(JSON.parse(new TextDecoder().decode(bytes))),
}

describe('a read that L2 answers', () => {
  it('hands the first reader the frozen object L1 now holds', async () => {
    const store = mapStore()
    const writer = await createCache({ store, namespace: 'l2r' })
    await writer.set('k', { nested: [1, 2] })
    const reader = await createCache({ store, l1: mapL1(), namespace: 'l2r' })
    const fromL2 = await reader.get<{ nested: number[] }>('k')
    expect(fromL2).toEqual({ nested: [1, 2] })
    expect(Object.isFrozen(fromL2) && Object.isFrozen(fromL2?.nested)).toBe(true)
    expect(await reader.get('k')).toBe(fromL2)
    await Promise.all([writer.close(), reader.close()])
  })

  it('gives the first reader of a value that cannot be frozen its own copy', async () => {
    const store = mapStore()
    const codec = () => createCodec({ serializer: mapSerializer })
    const writer = await createCache({ store, namespace: 'l2m', codec: codec() })
    await writer.set('m', new Map([['a', 1]]))
    const reader = await createCache({ store, l1: mapL1(), namespace: 'l2m', codec: codec() })
    const fromL2 = await reader.get<Map<string, number>>('m')
    fromL2?.set('a', 2)
    expect((await reader.get<Map<string, number>>('m'))?.get('a')).toBe(1)
    await Promise.all([writer.close(), reader.close()])
  })
})
