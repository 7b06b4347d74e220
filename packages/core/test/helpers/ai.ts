import { type AiCacheOptions, type CacheOptions, createAiCache, createCache } from '../../src/index'
import { manualClock, mapL1, mapStore } from './stores'

export { deferred, flush } from './deferred'
export { manualClock } from './stores'

/** An AI cache over L1 + a Map store sharing one manual clock; counts the store's getMany calls. */
export async function aiSetup(ai: Partial<AiCacheOptions> = {}, cacheOptions: Partial<CacheOptions> = {}) {
  const clock = manualClock()
  const store = mapStore(clock.fn)
  const calls = { getMany: 0 }
  const getMany = store.getMany.bind(store)
  store.getMany = (keys) => {
    calls.getMany++
    return getMany(keys)
  }
  const cache = await createCache({
    store,
    l1: mapL1(),
    namespace: 'ai-test',
    now: clock.fn,
    ...cacheOptions,
  })
  return { ai: createAiCache({ cache, ...ai }), cache, store, clock, calls }
}

/**
 * An upstream stream the test drives chunk by chunk: `push` releases a chunk, `end` completes,
 * `fail` errors. `log` records what happened in order; `aborted` says whether the signal fired.
 */
export function controlledStream<C>(signal: AbortSignal, log: string[] = []) {
  const queue: ({ chunk: C } | { end: true } | { error: Error })[] = []
  let wake: (() => void) | undefined
  const state = { aborted: false, log }
  signal.addEventListener('abort', () => {
    state.aborted = true
    wake?.()
  })
  const release = (item: (typeof queue)[number]) => {
    queue.push(item)
    wake?.()
  }
  async function* iterate(): AsyncGenerator<C> {
    for (;;) {
      while (queue.length === 0 && !state.aborted) await new Promise<void>((r) => (wake = r))
      if (state.aborted) return
      const item = queue.shift()!
      if ('end' in item) return
      if ('error' in item) throw item.error
      log.push(`upstream:${JSON.stringify(item.chunk)}`)
      yield item.chunk
    }
  }
  return {
    state,
    iterable: iterate(),
    push: (chunk: C) => release({ chunk }),
    end: () => release({ end: true }),
    fail: (error: Error) => release({ error }),
  }
}
