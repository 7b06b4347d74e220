import Anthropic from '@anthropic-ai/sdk'
import type { MessageCreateParamsNonStreaming } from '@anthropic-ai/sdk/resources/messages'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cachedMessage, cachedMessageStream } from '../src/anthropic-cached'
import { type FakeLlmServer, startFakeLlmServer } from '../src/fake-llm-server'
import { collect, createTestAiCache } from './helpers'

let server: FakeLlmServer
let client: Anthropic

beforeAll(async () => {
  server = await startFakeLlmServer()
  client = new Anthropic({ baseURL: server.url, apiKey: 'test-key-not-secret', maxRetries: 0 })
})
afterAll(() => server.close())

const params = (text: string): MessageCreateParamsNonStreaming => ({
  model: 'claude-example-model',
  max_tokens: 256,
  system: 'Summarise in a few words.',
  messages: [{ role: 'user', content: [{ type: 'text', text }] }],
})

describe('official @anthropic-ai/sdk client through the AI cache', () => {
  it('caches a message: the second identical request makes no server call', async () => {
    const { ai } = await createTestAiCache()
    const before = server.calls.messages
    const first = await cachedMessage(ai, client, params('Rain is expected over the weekend'))
    expect(first.content[0]).toMatchObject({ type: 'text', text: 'Summary: Rain expected the' })
    const second = await cachedMessage(ai, client, params('Rain is expected over the weekend'))
    expect(second).toEqual(first)
    expect(server.calls.messages).toBe(before + 1)
    expect(ai.stats().tokensSaved).toEqual({
      input: first.usage.input_tokens,
      output: first.usage.output_tokens,
      total: first.usage.input_tokens + first.usage.output_tokens,
    })
  })

  it('records the streamed events and replays them identically, with usage from message_start/message_delta', async () => {
    const { ai } = await createTestAiCache()
    const before = server.calls.messagesStream
    const live = cachedMessageStream(ai, client, params('The train leaves at noon from platform four'))
    const events = await collect(live)
    expect(events.map((e) => e.type)).toEqual([
      'message_start',
      'content_block_start',
      'content_block_delta',
      'content_block_delta',
      'content_block_delta',
      'content_block_delta',
      'content_block_delta',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ])
    expect(live.usage).toMatchObject({ outputTokens: 5 })
    const replay = cachedMessageStream(ai, client, params('The train leaves at noon from platform four'))
    expect(await collect(replay)).toEqual(events)
    expect(replay.outcome).toBe('hit')
    expect(server.calls.messagesStream).toBe(before + 1)
  })
})
