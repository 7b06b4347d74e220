import type { AddressInfo } from 'node:net'
import { createAiCache, createCache } from '@cache/core'
import { memoryL1 } from '@cache/memory'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createAiRoutes } from '../src/ai-routes'
import { createDemoApp } from '../src/app'
import { FakeSummarizer } from '../src/fake-summarizer'
import { serve } from '../src/node-server'

const text =
  'The committee met on Tuesday to review the budget, agreed to fund two new parks, and postponed the vote on parking fees.'

/** Parses a server-sent events body into its `data:` payloads. */
function events(body: string): string[] {
  return body
    .split('\n\n')
    .filter((block) => block.startsWith('data: '))
    .map((block) => block.slice('data: '.length))
}

describe('demo AI routes over HTTP', () => {
  let base: string
  let model: FakeSummarizer
  let close: () => Promise<void>

  beforeAll(async () => {
    const cache = await createCache({ l1: memoryL1(), namespace: `demo-ai-${process.pid}` })
    model = new FakeSummarizer({ latencyMs: 50, chunkDelayMs: 5 })
    const ai = createAiCache({
      cache,
      prices: { [model.model]: { inputUsdPerMillionTokens: 2.5, outputUsdPerMillionTokens: 10 } },
    })
    const server = await serve(createDemoApp({ cache, routes: [createAiRoutes({ ai, model })] }), 0)
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    close = async () => {
      await new Promise((resolve) => server.close(resolve))
      await cache.close()
    }
  })
  afterAll(() => close())

  const post = (path: string, body: unknown) =>
    fetch(`${base}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    })

  it('POST /ai/summarize: a miss calls the model, the same request then hits and reports tokens saved', async () => {
    const callsBefore = model.calls
    const first = await post('/ai/summarize', { text, max_length: 8 })
    expect(first.headers.get('x-cache')).toBe('miss')
    const miss = await first.json()
    expect(miss).toMatchObject({ cache: 'miss', tokensSaved: 0 })
    expect(miss.summary).toBe('The met Tuesday review budget, to two parks,')
    const hit = await (await post('/ai/summarize', { text, max_length: 8 })).json()
    expect(hit).toMatchObject({ cache: 'hit', summary: miss.summary, key: miss.key })
    expect(hit.tokensSaved).toBeGreaterThan(0)
    expect(hit.costSavedUsd).toBeGreaterThan(0)
    expect(model.calls).toBe(callsBefore + 1)
    const other = await (await post('/ai/summarize', { text, max_length: 3 })).json()
    expect(other.cache).toBe('miss')
  })

  it('POST /ai/summarize/stream: streams the words, then replays the same events on a hit', async () => {
    const callsBefore = model.calls
    const first = await post('/ai/summarize/stream', { text: `${text} Streamed.`, max_length: 6 })
    expect(first.headers.get('content-type')).toBe('text/event-stream')
    expect(first.headers.get('x-cache')).toBe('miss')
    const missEvents = events(await first.text())
    expect(missEvents.at(-1)).toBe('[DONE]')
    const deltas = missEvents.slice(0, -2).map((e) => JSON.parse(e))
    expect(
      deltas
        .filter((d) => 'delta' in d)
        .map((d) => d.delta)
        .join(''),
    ).toBe('The met Tuesday review budget, to')
    expect(JSON.parse(missEvents.at(-2)!)).toMatchObject({ cache: 'miss', tokensSaved: 0 })

    const second = await post('/ai/summarize/stream', { text: `${text} Streamed.`, max_length: 6 })
    expect(second.headers.get('x-cache')).toBe('hit')
    const hitEvents = events(await second.text())
    expect(hitEvents.slice(0, -2)).toEqual(missEvents.slice(0, -2))
    expect(JSON.parse(hitEvents.at(-2)!).tokensSaved).toBeGreaterThan(0)
    expect(model.calls).toBe(callsBefore + 1)
  })

  it('GET /ai/stats reports hits, misses and tokens saved per operation; bad bodies are 400', async () => {
    const stats = await (await fetch(`${base}/ai/stats`)).json()
    expect(stats.operations.summarize.hits).toBeGreaterThanOrEqual(2)
    expect(stats.tokensSaved.total).toBeGreaterThan(0)
    expect((await post('/ai/summarize', { text: '' })).status).toBe(400)
    expect((await post('/ai/summarize', { text: 'x', max_length: 0 })).status).toBe(400)
  })
})
