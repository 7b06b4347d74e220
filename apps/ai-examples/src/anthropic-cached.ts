import type Anthropic from '@anthropic-ai/sdk'
import type {
  Message,
  MessageCreateParamsBase,
  MessageCreateParamsNonStreaming,
  RawMessageStreamEvent,
} from '@anthropic-ai/sdk/resources/messages'
import type { AiCache } from '@cache/core'

/** A message through the cache: the SDK is called only on a miss (single-flight). */
export function cachedMessage(
  ai: AiCache,
  client: Anthropic,
  params: MessageCreateParamsNonStreaming,
): Promise<Message> {
  return ai.getOrGenerate(params, () => client.messages.create(params))
}

/** A streamed message through the cache: events pass through live on a miss, replay on a hit. */
export function cachedMessageStream(ai: AiCache, client: Anthropic, params: MessageCreateParamsBase) {
  return ai.wrapStream<RawMessageStreamEvent>(params, (signal) =>
    client.messages.create({ ...params, stream: true }, { signal }),
  )
}
