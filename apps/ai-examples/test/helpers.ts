import { type AiCacheOptions, createAiCache, createCache } from '@cache/core'
import { memoryL1, memoryStore } from '@cache/memory'

let counter = 0

/** An AI cache over the real in-memory tiers, in a namespace of its own. */
export async function createTestAiCache(options: Partial<AiCacheOptions> = {}) {
  const cache = await createCache({
    store: memoryStore(),
    l1: memoryL1(),
    namespace: `ai-examples-${process.pid}-${++counter}`,
  })
  return { cache, ai: createAiCache({ cache, ...options }) }
}

/** Reads a whole async iterable. */
export async function collect<C>(iterable: AsyncIterable<C>): Promise<C[]> {
  const out: C[] = []
  for await (const item of iterable) out.push(item)
  return out
}
