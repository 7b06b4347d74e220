import type { AddressInfo } from 'node:net'
import { createCache, type TieredCache } from '@cache/core'
import { memoryL1 } from '@cache/memory'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createDemoApp } from '../src/app'
import { createDemoCache } from '../src/create-demo-cache'
import { serve } from '../src/node-server'

describe('demo app over HTTP', () => {
  let cache: TieredCache
  let base: string
  let close: () => Promise<void>

  beforeAll(async () => {
    cache = await createDemoCache({ CACHE_NAMESPACE: `demo-test-${Date.now()}` })
    const server = await serve(createDemoApp({ cache, upstreamLatencyMs: 200 }), 0)
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    close = async () => {
      await new Promise((resolve) => server.close(resolve))
      await cache.close()
    }
  })
  afterAll(() => close())

  it('serves the slow upstream once, then from cache', async () => {
    const first = await (await fetch(`${base}/weather/Paris`)).json()
    expect(first.cache).toBe('miss')
    expect(first.tookMs).toBeGreaterThanOrEqual(150)
    const second = await (await fetch(`${base}/weather/paris`)).json()
    expect(second.cache).toBe('hit')
    expect(second.tempC).toBe(first.tempC)
    expect(second.fetchedAt).toBe(first.fetchedAt)
  })

  it('runs the upstream once for concurrent cold requests', async () => {
    const responses = await Promise.all(
      Array.from({ length: 20 }, () => fetch(`${base}/weather/Oslo`).then((r) => r.json())),
    )
    expect(responses.filter((r) => r.cache === 'miss')).toHaveLength(1)
  })

  it('creates and reads sessions', async () => {
    const created = await fetch(`${base}/sessions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ user: 'ada' }),
    })
    expect(created.status).toBe(201)
    const session = await created.json()
    const read = await fetch(`${base}/sessions/${session.id}`)
    expect(read.status).toBe(200)
    expect((await read.json()).user).toBe('ada')
    expect((await fetch(`${base}/sessions/nope`)).status).toBe(404)
    const bad = await fetch(`${base}/sessions`, { method: 'POST', body: '{"user": 5}' })
    expect(bad.status).toBe(400)
  })

  it('reports health and stats as JSON', async () => {
    const health = await fetch(`${base}/health/cache`)
    expect(health.status).toBe(200)
    expect((await health.json()).status).toBe('healthy')
    const stats = await (await fetch(`${base}/stats`)).json()
    expect(stats.hits).toBeGreaterThan(0)
    expect(stats.misses).toBeGreaterThan(0)
    expect(stats.hitRatio).toBeCloseTo(stats.hits / (stats.hits + stats.misses))
  })

  it('answers 404 for unknown routes and 400 for an invalid key', async () => {
    expect((await fetch(`${base}/nope`)).status).toBe(404)
    const long = 'x'.repeat(2_000)
    expect((await fetch(`${base}/weather/${long}`)).status).toBe(400)
  })
})

describe('demo app handler', () => {
  it('works on any cache, as a web-standard handler', async () => {
    const cache = await createCache({ l1: memoryL1(), namespace: 'handler-test' })
    const app = createDemoApp({ cache, upstreamLatencyMs: 1 })
    const response = await app(new Request('http://demo.local/weather/rome'))
    expect((await response.json()).cache).toBe('miss')
    await cache.close()
  })
})
