import type { Store } from '@cache/core'
import { describe, expect, it } from 'vitest'
import { bytes, randomPrefix, text, waitFor } from './helpers'

/** Options for {@link storeConformance}. */
export interface StoreConformanceOptions {
  /** Largest value the suite writes, in bytes. @default 5 MiB */
  largeValueBytes?: number
  /** How many keys the `keys(prefix)` test writes and streams back. @default 10000 */
  keyCount?: number
}

/**
 * Registers the vitest suite every `Store` adapter must pass. `makeStore` is called for each test and
 * must return a fresh, connected store; the suite closes it. Keys carry a random prefix per test, so
 * suites can share one backend.
 */
export function storeConformance(
  name: string,
  makeStore: () => Store | Promise<Store>,
  options: StoreConformanceOptions = {},
): void {
  const largeValueBytes = options.largeValueBytes ?? 5 * 1024 * 1024
  const keyCount = options.keyCount ?? 10_000

  const withStore = (
    title: string,
    body: (store: Store, prefix: string) => Promise<void>,
    timeoutMs?: number,
  ) =>
    it(
      title,
      async () => {
        const store = await makeStore()
        const prefix = randomPrefix()
        try {
          await body(store, prefix)
        } finally {
          await store.clear(prefix).catch(() => {})
          await store.close()
        }
      },
      timeoutMs,
    )

  describe(`store conformance: ${name}`, () => {
    withStore('declares a name and capabilities', async (store) => {
      expect(typeof store.name).toBe('string')
      expect(typeof store.capabilities.nativeTtl).toBe('boolean')
      expect(typeof store.capabilities.shared).toBe('boolean')
    })

    withStore('get of a missing key resolves to undefined', async (store, p) => {
      expect(await store.get(`${p}missing`)).toBeUndefined()
    })

    withStore('set, get, overwrite and delete', async (store, p) => {
      await store.set(`${p}a`, text('one'))
      expect(await store.get(`${p}a`)).toEqual(text('one'))
      await store.set(`${p}a`, text('two'))
      expect(await store.get(`${p}a`)).toEqual(text('two'))
      expect(await store.delete(`${p}a`)).toBe(true)
      expect(await store.get(`${p}a`)).toBeUndefined()
      expect(await store.delete(`${p}a`)).toBe(false)
    })

    withStore('returns Uint8Array instances', async (store, p) => {
      await store.set(`${p}u8`, text('x'))
      expect((await store.get(`${p}u8`)) instanceof Uint8Array).toBe(true)
    })

    withStore('is binary safe for every byte value', async (store, p) => {
      const all = bytes(256, (i) => i)
      await store.set(`${p}bytes`, all)
      expect(await store.get(`${p}bytes`)).toEqual(all)
      const reversed = bytes(512, (i) => 255 - (i % 256))
      await store.set(`${p}rev`, reversed)
      expect(await store.get(`${p}rev`)).toEqual(reversed)
    })

    withStore('stores an empty value distinctly from a miss', async (store, p) => {
      await store.set(`${p}empty`, new Uint8Array(0))
      const value = await store.get(`${p}empty`)
      expect(value).toBeInstanceOf(Uint8Array)
      expect(value?.length).toBe(0)
      expect((await store.getMany([`${p}empty`]))[0]?.length).toBe(0)
    })

    withStore(
      `round-trips a ${Math.round(largeValueBytes / 1024 / 1024)} MB value`,
      async (store, p) => {
        const big = bytes(largeValueBytes, (i) => (i * 7919) % 251)
        await store.set(`${p}big`, big)
        const back = await store.get(`${p}big`)
        expect(back?.length).toBe(big.length)
        expect(back && Buffer.from(back).equals(Buffer.from(big))).toBe(true)
      },
      60_000,
    )

    withStore(
      'a caller mutating the bytes it passed or got does not change the stored value',
      async (store, p) => {
        const value = text('immutable')
        await store.set(`${p}m`, value)
        value[0] = 0
        const first = await store.get(`${p}m`)
        first![1] = 0
        expect(await store.get(`${p}m`)).toEqual(text('immutable'))
      },
    )

    withStore('expires entries after their TTL and keeps those without one', async (store, p) => {
      // 500 ms, not less: on a loaded 2-core CI machine the first read can come 150 ms after the write.
      await store.set(`${p}short`, text('x'), 500)
      await store.set(`${p}long`, text('y'), 60_000)
      await store.set(`${p}forever`, text('z'))
      expect(await store.get(`${p}short`)).toEqual(text('x'))
      await waitFor(async () => (await store.get(`${p}short`)) === undefined, 5_000)
      expect(await store.get(`${p}long`)).toEqual(text('y'))
      expect(await store.get(`${p}forever`)).toEqual(text('z'))
      expect((await store.getMany([`${p}short`]))[0]).toBeUndefined()
    })

    withStore('getMany keeps the order of keys and yields undefined for misses', async (store, p) => {
      await store.setMany([
        { key: `${p}1`, value: text('one') },
        { key: `${p}3`, value: text('three') },
      ])
      const values = await store.getMany([`${p}3`, `${p}2`, `${p}1`, `${p}3`, `${p}4`])
      expect(values).toEqual([text('three'), undefined, text('one'), text('three'), undefined])
      expect(await store.getMany([])).toEqual([])
    })

    withStore('setMany honours per-entry TTLs and deleteMany counts removals', async (store, p) => {
      await store.setMany([
        { key: `${p}a`, value: text('a') },
        // 500 ms, as in the TTL test above: a loaded CI machine can read 150 ms after the write.
        { key: `${p}b`, value: text('b'), ttlMs: 500 },
        { key: `${p}c`, value: text('c'), ttlMs: 60_000 },
      ])
      expect(await store.get(`${p}b`)).toEqual(text('b'))
      await waitFor(async () => (await store.get(`${p}b`)) === undefined, 5_000)
      expect(await store.deleteMany([`${p}a`, `${p}b`, `${p}c`, `${p}zz`])).toBe(2)
      expect(await store.deleteMany([])).toBe(0)
      expect(await store.getMany([`${p}a`, `${p}c`])).toEqual([undefined, undefined])
    })

    withStore('clear(prefix) removes only keys under that prefix', async (store, p) => {
      const other = `${p.slice(0, -1)}x:`
      // Glob metacharacters in a prefix must be matched literally, never as a pattern.
      const globby = `${p}g*?[ab]\\:`
      await store.setMany([
        { key: `${p}ns:a`, value: text('1') },
        { key: `${p}ns:b`, value: text('2') },
        { key: `${p}nsX`, value: text('3') },
        { key: `${other}ns:a`, value: text('4') },
        { key: `${globby}k`, value: text('5') },
        { key: `${p}gXYa\\:k`, value: text('6') },
      ])
      await store.clear(`${p}ns:`)
      expect(await store.getMany([`${p}ns:a`, `${p}ns:b`, `${p}nsX`, `${other}ns:a`])).toEqual([
        undefined,
        undefined,
        text('3'),
        text('4'),
      ])
      await store.clear(globby)
      expect(await store.get(`${globby}k`)).toBeUndefined()
      expect(await store.get(`${p}gXYa\\:k`)).toEqual(text('6'))
      await store.clear(other)
    })

    withStore(
      `keys(prefix) streams ${keyCount} keys with a cursor`,
      async (store, p) => {
        const batch = 1_000
        for (let start = 0; start < keyCount; start += batch) {
          await store.setMany(
            Array.from({ length: Math.min(batch, keyCount - start) }, (_, i) => ({
              key: `${p}k:${start + i}`,
              value: text(String(start + i)),
            })),
          )
        }
        await store.set(`${p.slice(0, -1)}y:outside`, text('no'))
        const iterable = store.keys(`${p}k:`)
        // It is lazy: taking the first key and stopping must work without reading the rest.
        const iterator = iterable[Symbol.asyncIterator]()
        const first = await iterator.next()
        expect(first.done).toBe(false)
        expect(first.value.startsWith(`${p}k:`)).toBe(true)
        await iterator.return?.()
        const seen = new Set<string>()
        for await (const key of store.keys(`${p}k:`)) {
          expect(key.startsWith(`${p}k:`)).toBe(true)
          seen.add(key)
        }
        expect(seen.size).toBe(keyCount)
        await store.delete(`${p.slice(0, -1)}y:outside`)
      },
      120_000,
    )

    withStore('unicode and punctuation keys are distinct and round-trip', async (store, p) => {
      const keys = ['café', 'cafe\u0301', '東京', '🙂/🙃', 'a b:c\nd', 'ключ', '\u{10FFFF}', '*', '[x]']
      await store.setMany(keys.map((k, i) => ({ key: `${p}${k}`, value: text(String(i)) })))
      expect(await store.getMany(keys.map((k) => `${p}${k}`))).toEqual(keys.map((_, i) => text(String(i))))
      const listed = new Set<string>()
      for await (const key of store.keys(p)) listed.add(key)
      expect(listed).toEqual(new Set(keys.map((k) => `${p}${k}`)))
    })

    withStore('concurrent writers never produce a torn or foreign value', async (store, p) => {
      const values = Array.from({ length: 50 }, (_, i) => bytes(2048, () => i))
      await Promise.all(values.map((v) => store.set(`${p}same`, v)))
      const final = await store.get(`${p}same`)
      expect(values.some((v) => final && Buffer.from(v).equals(Buffer.from(final)))).toBe(true)
      await Promise.all(values.map((v, i) => store.set(`${p}own:${i}`, v)))
      const all = await store.getMany(values.map((_, i) => `${p}own:${i}`))
      for (const [i, v] of all.entries()) expect(v).toEqual(values[i])
    })

    withStore('ping resolves to a round-trip time in ms', async (store) => {
      const ms = await store.ping()
      expect(typeof ms).toBe('number')
      expect(ms).toBeGreaterThanOrEqual(0)
    })

    it('close() is idempotent', async () => {
      const store = await makeStore()
      await store.close()
      await expect(store.close()).resolves.toBeUndefined()
    })
  })
}
