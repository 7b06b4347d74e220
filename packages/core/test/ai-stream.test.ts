import { describe, expect, it } from 'vitest'
import { type ChatRequest, createAiCache, createCache } from '../src/index'
import { aiSetup, controlledStream, flush } from './helpers/ai'
import { mapStore } from './helpers/stores'

type Chunk = { delta: string; usage?: { prompt_tokens: number; completion_tokens: number } }
const request: ChatRequest = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Tell a story' }] }
const chunks: Chunk[] = [
  { delta: 'Once' },
  { delta: ' upon' },
  { delta: ' a time' },
  { delta: '', usage: { prompt_tokens: 11, completion_tokens: 3 } },
]

async function* fromArray<C>(items: C[]): AsyncGenerator<C> {
  for (const item of items) yield item
}

async function collect<C>(iterable: AsyncIterable<C>, log?: string[]): Promise<C[]> {
  const out: C[] = []
  for await (const chunk of iterable) {
    log?.push(`consumer:${JSON.stringify(chunk)}`)
    out.push(chunk)
  }
  return out
}

describe('wrapStream', () => {
  it('passes chunks through as they arrive, and stores the answer only when the stream completes', async () => {
    const { ai, cache } = await aiSetup()
    const log: string[] = []
    let upstream!: ReturnType<typeof controlledStream<Chunk>>
    const stream = ai.wrapStream(request, (signal) => {
      upstream = controlledStream<Chunk>(signal, log)
      return upstream.iterable
    })
    const reading = collect(stream, log)
    await flush()
    upstream.push(chunks[0]!)
    await flush()
    expect(log).toEqual(['upstream:{"delta":"Once"}', 'consumer:{"delta":"Once"}'])
    expect(stream.outcome).toBe('miss')
    expect(await ai.getActiveKeys()).toEqual([])
    for (const chunk of chunks.slice(1)) upstream.push(chunk)
    upstream.end()
    expect(await reading).toEqual(chunks)
    expect(await cache.get(stream.key)).toMatchObject({ kind: 'stream', chunks })
    expect(stream.usage).toEqual({ inputTokens: 11, outputTokens: 3 })
  })

  it('replays the same chunks on a hit without calling upstream', async () => {
    const { ai } = await aiSetup({
      prices: { 'gpt-4o-mini': { inputUsdPerMillionTokens: 1, outputUsdPerMillionTokens: 2 } },
    })
    let calls = 0
    const generate = () => {
      calls++
      return fromArray(chunks)
    }
    const first = await collect(ai.wrapStream(request, generate))
    const replay = ai.wrapStream(request, generate)
    expect(await collect(replay)).toEqual(first)
    expect(calls).toBe(1)
    expect(replay.outcome).toBe('hit')
    expect(ai.stats().operations.chat).toMatchObject({
      hits: 1,
      misses: 1,
      tokensSaved: { input: 11, output: 3, total: 14 },
    })
    expect(ai.stats().costSavedUsd).toBeCloseTo((11 + 6) / 1e6, 12)
  })

  it('never stores a stream whose reader leaves early, and aborts the upstream', async () => {
    const { ai } = await aiSetup()
    let upstream!: ReturnType<typeof controlledStream<Chunk>>
    const stream = ai.wrapStream(request, (signal) => {
      upstream = controlledStream<Chunk>(signal)
      return upstream.iterable
    })
    const iterator = stream[Symbol.asyncIterator]()
    const first = iterator.next()
    await flush()
    upstream.push(chunks[0]!)
    expect((await first).value).toEqual(chunks[0])
    await iterator.return?.(undefined)
    await flush()
    expect(upstream.state.aborted).toBe(true)
    expect(await ai.getActiveKeys()).toEqual([])
    expect(ai.stats().streamsAborted).toBe(1)
    let calls = 0
    const again = ai.wrapStream(request, () => {
      calls++
      return fromArray(chunks)
    })
    expect(await collect(again)).toEqual(chunks)
    expect(again.outcome).toBe('miss')
    expect(calls).toBe(1)
  })

  it('never stores a failed stream; the reader gets the chunks so far, then the error', async () => {
    const { ai } = await aiSetup()
    async function* failing(): AsyncGenerator<Chunk> {
      yield chunks[0]!
      yield chunks[1]!
      throw new Error('connection reset')
    }
    const received: Chunk[] = []
    await expect(
      (async () => {
        for await (const chunk of ai.wrapStream(request, failing)) received.push(chunk)
      })(),
    ).rejects.toThrow('connection reset')
    expect(received).toEqual(chunks.slice(0, 2))
    await flush()
    expect(await ai.getActiveKeys()).toEqual([])
    expect(ai.stats().streamsFailed).toBe(1)
  })

  it('shares one upstream stream between concurrent identical requests; a late joiner gets every chunk', async () => {
    const { ai } = await aiSetup()
    let calls = 0
    let upstream!: ReturnType<typeof controlledStream<Chunk>>
    const generate = (signal: AbortSignal) => {
      calls++
      upstream = controlledStream<Chunk>(signal)
      return upstream.iterable
    }
    const early = ai.wrapStream(request, generate)
    const earlyReading = collect(early)
    await flush()
    upstream.push(chunks[0]!)
    upstream.push(chunks[1]!)
    await flush()
    const late = ai.wrapStream(request, generate)
    const lateReading = collect(late)
    await flush()
    upstream.push(chunks[2]!)
    upstream.push(chunks[3]!)
    upstream.end()
    expect(await earlyReading).toEqual(chunks)
    expect(await lateReading).toEqual(chunks)
    expect(calls).toBe(1)
    expect([early.outcome, late.outcome]).toEqual(['miss', 'coalesced'])
    expect(ai.stats()).toMatchObject({ misses: 1, coalesced: 1, tokensSaved: { total: 14 } })
  })

  it('keeps streaming to the remaining readers when one of them leaves, and stores the answer', async () => {
    const { ai } = await aiSetup()
    let upstream!: ReturnType<typeof controlledStream<Chunk>>
    const generate = (signal: AbortSignal) => {
      upstream = controlledStream<Chunk>(signal)
      return upstream.iterable
    }
    const leaving = (async () => {
      for await (const _ of ai.wrapStream(request, generate)) break
    })()
    const staying = collect(ai.wrapStream(request, generate))
    await flush()
    upstream.push(chunks[0]!)
    await leaving
    for (const chunk of chunks.slice(1)) upstream.push(chunk)
    upstream.end()
    expect(await staying).toEqual(chunks)
    expect(upstream.state.aborted).toBe(false)
    expect(await ai.getActiveKeys()).toHaveLength(1)
  })

  it('keeps streamed and whole answers apart, and replays across instances through L2', async () => {
    const store = mapStore()
    const a = createAiCache({ cache: await createCache({ store, namespace: 'ai-x' }) })
    const b = createAiCache({ cache: await createCache({ store, namespace: 'ai-x' }) })
    await a.getOrGenerate(request, () => ({ whole: true }))
    const streamed = a.wrapStream(request, () => fromArray(chunks))
    expect(await collect(streamed)).toEqual(chunks)
    expect(streamed.outcome).toBe('miss')
    const replay = b.wrapStream(request, () => fromArray([{ delta: 'different' }]))
    expect(await collect(replay)).toEqual(chunks)
    expect(replay.outcome).toBe('hit')
  })

  it('can be iterated once', async () => {
    const { ai } = await aiSetup()
    const stream = ai.wrapStream(request, () => fromArray(chunks))
    await collect(stream)
    expect(() => stream[Symbol.asyncIterator]()).toThrow(/once/)
  })
})
