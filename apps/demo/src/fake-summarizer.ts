/** One streamed piece of a fake summary. */
export interface SummaryChunk {
  delta: string
}

/** A fake model answer, shaped like a provider response (with `usage`, so savings can be counted). */
export interface SummaryResponse {
  model: string
  summary: string
  usage: { input_tokens: number; output_tokens: number }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

const tokens = (text: string) => Math.max(1, Math.ceil(text.length / 4))

/** The words of a deterministic summary: every other word, up to `maxWords`. */
function summaryWords(text: string, maxWords: number): string[] {
  const words = text.split(/\s+/).filter(Boolean)
  const picked = words.filter((_, i) => i % 2 === 0).slice(0, maxWords)
  return picked.map((w, i) => (i === 0 ? w : ` ${w}`))
}

/**
 * A deterministic stand-in for an LLM, with realistic latency and no network: the same text always
 * gives the same summary, after `latencyMs` (whole answer) or `chunkDelayMs` per word (streamed).
 */
export class FakeSummarizer {
  readonly model = 'fake-summarizer-1'
  /** How many times the "model" was actually called. */
  calls = 0
  readonly #latencyMs: number
  readonly #chunkDelayMs: number

  constructor(options: { latencyMs?: number; chunkDelayMs?: number } = {}) {
    this.#latencyMs = options.latencyMs ?? 800
    this.#chunkDelayMs = options.chunkDelayMs ?? 60
  }

  /** The whole summary after the model's latency. */
  async summarize(text: string, maxWords: number): Promise<SummaryResponse> {
    this.calls++
    await sleep(this.#latencyMs)
    const summary = summaryWords(text, maxWords).join('')
    return {
      model: this.model,
      summary,
      usage: { input_tokens: tokens(text), output_tokens: tokens(summary) },
    }
  }

  /** The summary word by word; stops early when `signal` aborts. The last chunk carries usage. */
  async *stream(
    text: string,
    maxWords: number,
    signal?: AbortSignal,
  ): AsyncGenerator<SummaryChunk | { usage: SummaryResponse['usage'] }> {
    this.calls++
    const words = summaryWords(text, maxWords)
    for (const word of words) {
      await sleep(this.#chunkDelayMs)
      if (signal?.aborted) return
      yield { delta: word }
    }
    yield { usage: { input_tokens: tokens(text), output_tokens: tokens(words.join('')) } }
  }
}
