import OpenAI from 'openai'
import type { ChatCompletionCreateParamsNonStreaming } from 'openai/resources/chat/completions'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type FakeLlmServer, startFakeLlmServer } from '../src/fake-llm-server'
import { cachedChatCompletion, cachedChatCompletionStream, cachedEmbeddings } from '../src/openai-cached'
import { collect, createTestAiCache } from './helpers'

let server: FakeLlmServer
let client: OpenAI

beforeAll(async () => {
  server = await startFakeLlmServer()
  client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'test-key-not-secret', maxRetries: 0 })
})
afterAll(() => server.close())

const params = (content: string, extra: Partial<ChatCompletionCreateParamsNonStreaming> = {}) =>
  ({
    model: 'gpt-4o-mini',
    messages: [
      { role: 'system', content: 'Summarise in a few words.' },
      { role: 'user', content },
    ],
    temperature: 0,
    ...extra,
  }) as ChatCompletionCreateParamsNonStreaming

describe('official openai client through getOrGenerate', () => {
  it('calls the server once; the identical second request is a hit with the same completion', async () => {
    const { ai } = await createTestAiCache({
      prices: { 'gpt-4o-mini': { inputUsdPerMillionTokens: 0.15, outputUsdPerMillionTokens: 0.6 } },
    })
    const before = server.calls.chat
    const first = await cachedChatCompletion(ai, client, params('The quarterly budget was approved today'))
    expect(first.choices[0]!.message.content).toBe('Summary: The budget approved')
    expect(server.calls.chat).toBe(before + 1)
    const second = await ai.getOrGenerateResult(params('The quarterly budget was approved today'), () =>
      client.chat.completions.create(params('The quarterly budget was approved today')),
    )
    expect(server.calls.chat).toBe(before + 1)
    expect(second.outcome).toBe('hit')
    expect(second.response).toEqual(first)
    expect(second.costSavedUsd).toBeGreaterThan(0)
    expect(ai.stats().tokensSaved.total).toBe(first.usage!.total_tokens)
  })

  it('misses when a generation parameter changes', async () => {
    const { ai } = await createTestAiCache()
    const before = server.calls.chat
    await cachedChatCompletion(ai, client, params('Hello there general'))
    await cachedChatCompletion(ai, client, params('Hello there general', { temperature: 0.2 }))
    await cachedChatCompletion(ai, client, params('Hello there general', { max_tokens: 5 }))
    await cachedChatCompletion(ai, client, params('Hello there general'))
    expect(server.calls.chat).toBe(before + 3)
  })

  it('makes one server call for 10 concurrent identical requests', async () => {
    const { ai } = await createTestAiCache()
    const before = server.calls.chat
    const answers = await Promise.all(
      Array.from({ length: 10 }, () =>
        cachedChatCompletion(ai, client, params('Concurrent users ask the same')),
      ),
    )
    expect(server.calls.chat).toBe(before + 1)
    expect(new Set(answers.map((a) => a.choices[0]!.message.content)).size).toBe(1)
  })
})

describe('official openai client through wrapStream (server-sent events)', () => {
  const streamed = (content: string) => ({ ...params(content), stream_options: { include_usage: true } })

  it('passes the SDK chunks through, then replays the identical chunks without a server call', async () => {
    const { ai } = await createTestAiCache()
    const before = server.calls.chatStream
    const live = cachedChatCompletionStream(ai, client, streamed('Streaming answers arrive word by word'))
    const chunks = await collect(live)
    expect(live.outcome).toBe('miss')
    expect(server.calls.chatStream).toBe(before + 1)
    expect(chunks.map((c) => c.choices[0]?.delta.content ?? '').join('')).toBe('Summary: Streaming arrive by')
    expect(chunks.at(-1)!.usage).toMatchObject({ completion_tokens: 4 })
    expect(live.usage).toEqual({ inputTokens: chunks.at(-1)!.usage!.prompt_tokens, outputTokens: 4 })

    const replay = cachedChatCompletionStream(ai, client, streamed('Streaming answers arrive word by word'))
    expect(await collect(replay)).toEqual(chunks)
    expect(replay.outcome).toBe('hit')
    expect(server.calls.chatStream).toBe(before + 1)
  })

  it('shares one server stream between concurrent identical requests, each getting every chunk', async () => {
    const { ai } = await createTestAiCache()
    const before = server.calls.chatStream
    const request = streamed('Three readers want the same story')
    const first = cachedChatCompletionStream(ai, client, request)
    const firstReading = collect(first)
    await new Promise((resolve) => setTimeout(resolve, 15))
    const late = [
      cachedChatCompletionStream(ai, client, request),
      cachedChatCompletionStream(ai, client, request),
    ]
    const results = await Promise.all([firstReading, ...late.map(collect)])
    expect(server.calls.chatStream).toBe(before + 1)
    expect(results[1]).toEqual(results[0])
    expect(results[2]).toEqual(results[0])
    expect(late.map((s) => s.outcome)).toEqual(['coalesced', 'coalesced'])
  })

  it('aborts the server stream when the reader stops early and caches nothing', async () => {
    const { ai } = await createTestAiCache()
    const before = { stream: server.calls.chatStream, aborted: server.calls.aborted }
    const request = streamed('A reader who stops after the first chunk')
    for await (const _ of cachedChatCompletionStream(ai, client, request)) break
    await expect.poll(() => server.calls.aborted).toBe(before.aborted + 1)
    expect(await ai.getActiveKeys()).toEqual([])
    const again = cachedChatCompletionStream(ai, client, request)
    await collect(again)
    expect(again.outcome).toBe('miss')
    expect(server.calls.chatStream).toBe(before.stream + 2)
  })
})

describe('official openai client embeddings through getOrEmbedMany', () => {
  it('sends only the missing texts and returns 1,536-dim Float32Arrays in input order', async () => {
    const { ai } = await createTestAiCache()
    const model = 'text-embedding-3-small'
    const first = await cachedEmbeddings(ai, client, ['alpha', 'beta'], model)
    const second = await cachedEmbeddings(ai, client, ['gamma', 'beta', 'alpha'], model)
    expect(server.calls.embeddingInputs.slice(-2)).toEqual([['alpha', 'beta'], ['gamma']])
    expect(second[0]).toBeInstanceOf(Float32Array)
    expect(second[0]!.length).toBe(1536)
    expect(Array.from(second[1]!)).toEqual(Array.from(first[1]!))
    expect(Array.from(second[2]!)).toEqual(Array.from(first[0]!))
  })
})
