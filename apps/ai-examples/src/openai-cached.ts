import type { AiCache } from '@cache/core'
import type OpenAI from 'openai'
import type {
  ChatCompletion,
  ChatCompletionChunk,
  ChatCompletionCreateParamsBase,
  ChatCompletionCreateParamsNonStreaming,
} from 'openai/resources/chat/completions'

/** A chat completion through the cache: the SDK is called only on a miss (single-flight). */
export function cachedChatCompletion(
  ai: AiCache,
  client: OpenAI,
  params: ChatCompletionCreateParamsNonStreaming,
): Promise<ChatCompletion> {
  return ai.getOrGenerate(params, () => client.chat.completions.create(params))
}

/** A streamed chat completion through the cache: chunks pass through live on a miss, replay on a hit. */
export function cachedChatCompletionStream(
  ai: AiCache,
  client: OpenAI,
  params: ChatCompletionCreateParamsBase,
) {
  return ai.wrapStream<ChatCompletionChunk>(params, (signal) =>
    client.chat.completions.create({ ...params, stream: true }, { signal }),
  )
}

/** Embeddings through the cache: one lookup, then one API call for the missing texts only. */
export function cachedEmbeddings(ai: AiCache, client: OpenAI, texts: string[], model: string) {
  return ai.getOrEmbedMany(texts, { model }, async (missing) => {
    const result = await client.embeddings.create({ model, input: missing })
    return result.data.sort((a, b) => a.index - b.index).map((d) => d.embedding)
  })
}
