import { describe, expect, it } from 'vitest'
import { createAiCache, createCache, ValidationError } from '../src/index'
import { aiSetup, deferred } from './helpers/ai'
import { chaosStore, mapL1, mapStore } from './helpers/stores'

const HOUR = 3_600_000
const summarize = {
  text: 'The meeting covered budgets.',
  operation: 'summarize',
  options: { max_length: 50 },
}
const openAiResponse = (content: string) => ({
  id: 'chatcmpl-1',
  object: 'chat.completion',
  model: 'gpt-4o-mini',
  choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 120, completion_tokens: 30, total_tokens: 150 },
})
const chat = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hello' }], temperature: 0 }

describe('createAiCache: cacheResponse / getCachedResponse (the guide API)', () => {
  it('stores a response and returns it for the same request, counting hits and misses per operation', async () => {
    const { ai } = await aiSetup()
    expect(await ai.getCachedResponse(summarize)).toBeUndefined()
    expect(await ai.cacheResponse({ ...summarize, response: { summary: 'Budgets.' } })).toBe(true)
    expect(await ai.getCachedResponse(summarize)).toEqual({ summary: 'Budgets.' })
    expect(await ai.getCachedResponse({ ...summarize, options: { max_length: 51 } })).toBeUndefined()
    const stats = ai.stats()
    expect(stats.operations.summarize).toMatchObject({ hits: 1, misses: 2 })
    expect(stats).toMatchObject({ hits: 1, misses: 2, stored: 1 })
    expect(stats.hitRatio).toBeCloseTo(1 / 3)
  })

  it('applies operation TTLs (summarize 2h, qa 30m, translate 24h) and the default TTL to unknown operations', async () => {
    const { ai, clock } = await aiSetup({ defaultTtl: '10m', operationTtls: { qa: '15m' } })
    expect(ai.ttlMsFor('summarize')).toBe(2 * HOUR)
    expect(ai.ttlMsFor('sentiment')).toBe(4 * HOUR)
    expect(ai.ttlMsFor('translate')).toBe(24 * HOUR)
    expect(ai.ttlMsFor('qa')).toBe(15 * 60_000)
    expect(ai.ttlMsFor('classify')).toBe(10 * 60_000)
    const classify = { text: 'spam?', operation: 'classify' }
    await ai.cacheResponse({ ...summarize, response: 's' })
    await ai.cacheResponse({ ...classify, response: 'c' })
    clock.now += 10 * 60_000 - 1
    expect(await ai.getCachedResponse(classify)).toBe('c')
    clock.now += 2
    expect(await ai.getCachedResponse(classify)).toBeUndefined()
    clock.now += 2 * HOUR - 10 * 60_000 - 2
    expect(await ai.getCachedResponse(summarize)).toBe('s')
    clock.now += 2
    expect(await ai.getCachedResponse(summarize)).toBeUndefined()
  })

  it('rejects bad options, naming them', async () => {
    const cache = await createCache({ l1: mapL1() })
    expect(() => createAiCache({ cache, operationTtls: { qa: 'soon' as never } })).toThrow(/qa/)
    expect(() => createAiCache({ cache, defaultTtl: 0 })).toThrow(/defaultTtl/)
    expect(() => createAiCache({ cache: {} as never })).toThrow(ValidationError)
    expect(() => createAiCache({ cache, cacheable: 'yes' as never })).toThrow(/cacheable/)
    expect(() =>
      createAiCache({ cache, prices: { m: { inputUsdPerMillionTokens: -1, outputUsdPerMillionTokens: 1 } } }),
    ).toThrow(/prices\.m/)
  })
})

describe('getOrGenerate', () => {
  it('calls the model once, then hits; tokens and cost saved come from usage and the price table', async () => {
    const { ai } = await aiSetup({
      prices: { 'gpt-4o-mini': { inputUsdPerMillionTokens: 0.15, outputUsdPerMillionTokens: 0.6 } },
    })
    let calls = 0
    const generate = async () => {
      calls++
      return openAiResponse('Hi!')
    }
    const first = await ai.getOrGenerateResult(chat, generate)
    const second = await ai.getOrGenerateResult(chat, generate)
    expect(calls).toBe(1)
    expect(first).toMatchObject({ outcome: 'miss', costSavedUsd: 0 })
    expect(second.outcome).toBe('hit')
    expect(second.response).toEqual(first.response)
    expect(second.costSavedUsd).toBeCloseTo((120 * 0.15 + 30 * 0.6) / 1e6, 12)
    const stats = ai.stats()
    expect(stats.operations.chat).toMatchObject({
      hits: 1,
      misses: 1,
      tokensSaved: { input: 120, output: 30, total: 150 },
    })
    expect(stats.costSavedUsd).toBeCloseTo(second.costSavedUsd, 12)
  })

  it('reads Anthropic usage (input_tokens / output_tokens)', async () => {
    const { ai } = await aiSetup()
    const response = {
      type: 'message',
      content: [{ type: 'text', text: 'Hi' }],
      usage: { input_tokens: 9, output_tokens: 4 },
    }
    await ai.getOrGenerate({ ...chat, model: 'claude' }, () => response)
    await ai.getOrGenerate({ ...chat, model: 'claude' }, () => response)
    expect(ai.stats().tokensSaved).toEqual({ input: 9, output: 4, total: 13 })
  })

  it('is single-flight: 50 concurrent identical requests make one upstream call', async () => {
    const { ai } = await aiSetup()
    const gate = deferred()
    let calls = 0
    const generate = async () => {
      calls++
      await gate.promise
      return openAiResponse('shared')
    }
    const pending = Array.from({ length: 50 }, () => ai.getOrGenerateResult(chat, generate))
    gate.resolve()
    const results = await Promise.all(pending)
    expect(calls).toBe(1)
    expect(results.filter((r) => r.outcome === 'miss')).toHaveLength(1)
    expect(results.filter((r) => r.outcome === 'coalesced')).toHaveLength(49)
    expect(new Set(results.map((r) => r.response.choices[0]!.message.content))).toEqual(new Set(['shared']))
    expect(ai.stats()).toMatchObject({ misses: 1, coalesced: 49, hits: 0, hitRatio: 49 / 50 })
  })

  it('passes an upstream error to every waiter, caches nothing, and retries on the next call', async () => {
    const { ai } = await aiSetup()
    const gate = deferred()
    let calls = 0
    const failing = async () => {
      calls++
      await gate.promise
      throw new Error('rate limited')
    }
    const pending = [ai.getOrGenerate(chat, failing), ai.getOrGenerate(chat, failing)]
    gate.resolve()
    for (const p of pending) await expect(p).rejects.toThrow('rate limited')
    expect(calls).toBe(1)
    expect(await ai.getOrGenerate(chat, () => openAiResponse('ok'))).toMatchObject({ model: 'gpt-4o-mini' })
    expect(await ai.getCachedResponse(chat)).toBeDefined()
  })

  it('honours the cacheable policy, and by default skips error answers', async () => {
    const { ai } = await aiSetup({
      cacheable: (request, response) =>
        ((request as { temperature?: number }).temperature ?? 0) <= 0.5 &&
        !(response as { error?: unknown }).error,
    })
    let calls = 0
    const generate = () => {
      calls++
      return openAiResponse('creative')
    }
    await ai.getOrGenerate({ ...chat, temperature: 0.9 }, generate)
    await ai.getOrGenerate({ ...chat, temperature: 0.9 }, generate)
    expect(calls).toBe(2)
    const defaults = (await aiSetup()).ai
    await defaults.getOrGenerate(chat, () => ({ error: { message: 'overloaded' } }))
    expect(await defaults.getCachedResponse(chat)).toBeUndefined()
    expect(defaults.stats().skippedByPolicy).toBe(1)
    expect(ai.stats().skippedByPolicy).toBe(2)
  })

  it('returns an answer too large to store, and counts it', async () => {
    const { ai } = await aiSetup({}, { maxEntryBytes: 200 })
    const big = openAiResponse('x'.repeat(500))
    expect(await ai.getOrGenerate(chat, () => big)).toBe(big)
    expect(ai.stats()).toMatchObject({ storeFailures: 1, stored: 0 })
  })

  it('hands out frozen answers, so no caller can change what the next one gets', async () => {
    const { ai } = await aiSetup()
    const answer = await ai.getOrGenerate(chat, () => openAiResponse('frozen'))
    expect(Object.isFrozen(answer.choices[0])).toBe(true)
    const hit = await ai.getOrGenerate(chat, () => openAiResponse('other'))
    expect(() => {
      ;(hit.choices[0]!.message as { content: string }).content = 'changed'
    }).toThrow(TypeError)
  })
})

describe('invalidation and key listing', () => {
  it('invalidateOperation removes one operation; invalidateAll removes AI keys of this namespace only', async () => {
    const store = mapStore()
    const cache = await createCache({ store, l1: mapL1(), namespace: 'ns-a' })
    const other = await createCache({ store, namespace: 'ns-b' })
    const ai = createAiCache({ cache })
    const otherAi = createAiCache({ cache: other })
    await ai.cacheResponse({ ...summarize, response: 's' })
    await ai.cacheResponse({ text: 'x', operation: 'qa', question: 'q?', response: 'a' })
    await ai.getOrGenerate(chat, () => openAiResponse('c'))
    await cache.set('user:1', { name: 'Ada' })
    await otherAi.cacheResponse({ ...summarize, response: 'other namespace' })

    expect(await ai.invalidateOperation('summarize')).toBe(1)
    expect(await ai.getCachedResponse(summarize)).toBeUndefined()
    expect(await ai.getCachedResponse({ text: 'x', operation: 'qa', question: 'q?' })).toBe('a')
    expect(await ai.invalidateAll()).toBe(2)
    expect(await ai.getActiveKeys()).toEqual([])
    expect(await cache.get('user:1')).toEqual({ name: 'Ada' })
    expect(await otherAi.getCachedResponse(summarize)).toBe('other namespace')
  })

  it('invalidateAll also removes entries written under an older key version', async () => {
    const { cache } = await aiSetup()
    await createAiCache({ cache, keyVersion: 'v0' }).cacheResponse({ ...summarize, response: 'old' })
    const current = createAiCache({ cache })
    await current.cacheResponse({ ...summarize, response: 'new' })
    expect(await current.invalidateAll()).toBe(2)
  })

  it('getActiveKeys lists keys matching a glob, relative to the current version', async () => {
    const { ai } = await aiSetup()
    await ai.cacheResponse({ ...summarize, response: 's' })
    await ai.cacheResponse({
      text: 'Bonjour',
      operation: 'translate',
      options: { to: 'en' },
      response: 'Hello',
    })
    const all = await ai.getActiveKeys()
    expect(all).toHaveLength(2)
    expect(await ai.getActiveKeys('summarize:*')).toEqual([
      ai.keys.generateCacheKey(summarize.text, 'summarize', summarize.options),
    ])
    expect(await ai.getActiveKeys('ai:v1:translate:-:bonjour:*')).toHaveLength(1)
    expect(await ai.getActiveKeys('qa:*')).toEqual([])
    expect(await ai.getActiveKeys('*', 1)).toHaveLength(1)
  })
})

describe('TieredCache.keys', () => {
  it('streams keys under a prefix from L2 and L1, once each, without the namespace', async () => {
    const store = mapStore()
    const writer = await createCache({ store, namespace: 'scan' })
    const reader = await createCache({ store, l1: mapL1(), namespace: 'scan' })
    await writer.set('a:1', 1)
    await writer.set('a:2', 2)
    await writer.set('b:1', 3)
    await reader.get('a:1')
    const l1Only = await createCache({ l1: mapL1(), namespace: 'scan' })
    await l1Only.set('a:3', 3)
    const seen: string[] = []
    for await (const key of reader.keys('a:')) seen.push(key)
    expect(seen.sort()).toEqual(['a:1', 'a:2'])
    const all: string[] = []
    for await (const key of l1Only.keys()) all.push(key)
    expect(all).toEqual(['a:3'])
  })

  it('skips a failing L2 scan, reports it as an error event, and still lists L1 keys', async () => {
    const store = chaosStore(mapStore())
    const cache = await createCache({ store, l1: mapL1(), namespace: 'scan-fail' })
    await cache.set('k:1', 1)
    const errors: string[] = []
    cache.on('error', (e) => errors.push(e.operation))
    const broken = store.keys
    store.keys = async function* () {
      yield* []
      throw new Error('SCAN failed (chaos)')
    }
    const seen: string[] = []
    for await (const key of cache.keys('k:')) seen.push(key)
    expect(seen).toEqual(['k:1'])
    expect(errors).toEqual(['keys'])
    store.keys = broken
  })
})
