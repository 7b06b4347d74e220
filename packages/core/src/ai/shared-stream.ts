import { deepFreeze } from '../codec/freeze'

/** How a shared stream ended. */
export type StreamEnd = 'complete' | 'failed' | 'aborted'

/** Produces the upstream chunks; `signal` aborts when every consumer has left. */
export type StreamSource<C> = (signal: AbortSignal) => AsyncIterable<C> | Promise<AsyncIterable<C>>

/**
 * One upstream stream read once and fanned out to any number of consumers. Every consumer, however
 * late it joins, receives every chunk from the first. When the last consumer leaves before the end,
 * the upstream is aborted. `onComplete` runs (and is awaited) before consumers see the end, so once a
 * caller has read the whole stream, the answer is already in the cache.
 */
export class SharedStream<C> {
  readonly chunks: C[] = []
  readonly ended: Promise<StreamEnd>
  readonly #controller = new AbortController()
  readonly #source: StreamSource<C>
  readonly #onComplete: (chunks: C[]) => Promise<void>
  #resolveEnded!: (end: StreamEnd) => void
  #state: 'idle' | 'running' | StreamEnd = 'idle'
  #error: unknown
  #consumers = 0
  #wake: (() => void)[] = []

  constructor(source: StreamSource<C>, onComplete: (chunks: C[]) => Promise<void>) {
    this.#source = source
    this.#onComplete = onComplete
    this.ended = new Promise((resolve) => {
      this.#resolveEnded = resolve
    })
  }

  /** Registers a consumer now (so the upstream is not aborted while it has yet to start reading). */
  subscribe(): AsyncGenerator<C> {
    this.#consumers++
    return this.#read()
  }

  async *#read(): AsyncGenerator<C> {
    let index = 0
    try {
      if (this.#state === 'idle') void this.#pump()
      for (;;) {
        if (index < this.chunks.length) {
          yield this.chunks[index++]!
          continue
        }
        if (this.#state === 'complete') return
        if (this.#state === 'failed' || this.#state === 'aborted') throw this.#error
        await new Promise<void>((resolve) => this.#wake.push(resolve))
      }
    } finally {
      this.#consumers--
      if (this.#consumers === 0 && (this.#state === 'running' || this.#state === 'idle')) {
        this.#end('aborted', new DOMException('Every consumer left the stream', 'AbortError'))
        this.#controller.abort()
      }
    }
  }

  async #pump(): Promise<void> {
    this.#state = 'running'
    let iterator: AsyncIterator<C> | undefined
    try {
      const source = await this.#source(this.#controller.signal)
      iterator = source[Symbol.asyncIterator]()
      for (;;) {
        const step = await iterator.next()
        if (this.#state !== 'running') {
          iterator.return?.()?.catch(() => {})
          return
        }
        if (step.done) break
        // Consumers share chunk objects, so none may change what the others (and the cache) see.
        deepFreeze(step.value)
        this.chunks.push(step.value)
        this.#notify()
      }
      await this.#onComplete(this.chunks)
      this.#end('complete')
    } catch (error) {
      if (this.#state === 'running') this.#end('failed', error)
    }
  }

  #end(state: StreamEnd, error?: unknown): void {
    if (this.#state !== 'running' && this.#state !== 'idle') return
    this.#state = state
    this.#error = error
    this.#resolveEnded(state)
    this.#notify()
  }

  #notify(): void {
    const wake = this.#wake
    this.#wake = []
    for (const resolve of wake) resolve()
  }
}
