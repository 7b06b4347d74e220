import { describe, expect, it } from 'vitest'
import { createCache, ValidationError } from '../src/index'
import { mapL1, mapStore } from './helpers/stores'

describe('namespaces sharing one L2', () => {
  it('refuses a namespace holding ":", which would share keys with another namespace', async () => {
    // `app` with key `v2:k` and `app:v2` with key `k` would both be the L2 key `app:v2:k`.
    const error = await createCache({ store: mapStore(), namespace: 'app:v2' }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ValidationError)
    expect((error as ValidationError).code).toBe('INVALID_OPTION')
    expect((error as Error).message).toContain('namespace')
  })

  it('keep apart namespaces where one is the start of the other', async () => {
    const store = mapStore()
    const app = await createCache({ store, l1: mapL1(), namespace: 'app' })
    const apple = await createCache({ store, l1: mapL1(), namespace: 'apple' })
    await app.set('k', 'app')
    await apple.set('k', 'apple')
    await apple.set('le:k', 'apple le:k')
    expect(await app.get('le:k')).toBeUndefined()
    const appKeys: string[] = []
    for await (const key of app.keys()) appKeys.push(key)
    expect(appKeys).toEqual(['k'])
    await app.clear()
    expect(await apple.getMany(['k', 'le:k'])).toEqual(['apple', 'apple le:k'])
    expect(await app.deleteByPrefix('')).toBe(0)
    expect(await apple.get('k')).toBe('apple')
    await Promise.all([app.close(), apple.close()])
  })
})
