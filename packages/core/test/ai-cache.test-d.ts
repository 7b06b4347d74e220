import { describe, expectTypeOf, it } from 'vitest'
import type { AiCache, AiResult, AiStream, ChatRequest, TextRequest } from '../src/index'

declare const ai: AiCache

// An SDK-style parameter interface: no index signature, nullable numbers.
interface SdkParams {
  model: string
  messages: Array<{ role: 'user'; content: string }>
  temperature?: number | null
  presence_penalty?: number | null
}
declare const sdkParams: SdkParams

describe('AI cache types', () => {
  it('returns what generate returns', () => {
    expectTypeOf(ai.getOrGenerate(sdkParams, async () => ({ id: 'x', n: 1 }))).resolves.toEqualTypeOf<{
      id: string
      n: number
    }>()
    expectTypeOf(ai.getOrGenerateResult(sdkParams, () => 42)).resolves.toEqualTypeOf<AiResult<number>>()
  })

  it('streams the chunk type of the source', () => {
    async function* source() {
      yield { delta: 'a' }
    }
    expectTypeOf(ai.wrapStream(sdkParams, () => source())).toEqualTypeOf<AiStream<{ delta: string }>>()
  })

  it('accepts both request shapes, including fields it does not list', () => {
    expectTypeOf(ai.getCachedResponse<string>)
      .parameter(0)
      .toMatchTypeOf<TextRequest | ChatRequest>()
    expectTypeOf(ai.keys.key({ text: 't', operation: 'summarize', options: { max_length: 1 } })).toBeString()
    expectTypeOf(ai.keys.key({ model: 'm', messages: 'hi', frequency_penalty: 0.5 })).toBeString()
    // @ts-expect-error a request needs either text + operation or model + messages
    ai.keys.key({ prompt: 'hi' })
  })

  it('returns Float32Array embeddings', () => {
    expectTypeOf(ai.getOrEmbedMany(['a'], { model: 'm' }, (t) => t.map(() => [0]))).resolves.toEqualTypeOf<
      Float32Array[]
    >()
  })
})
