import { type AiCache, type AiStream, ValidationError } from '@cache/core'
import type { FakeSummarizer } from './fake-summarizer'

/** Options of {@link createAiRoutes}. */
export interface AiRoutesOptions {
  ai: AiCache
  model: FakeSummarizer
}

interface SummarizeBody {
  text: string
  max_length: number
}

const json = (body: unknown, status = 200, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body, null, 2), {
    status,
    headers: { 'content-type': 'application/json', ...headers },
  })

async function readBody(request: Request): Promise<SummarizeBody> {
  const body = (await request.json().catch(() => null)) as Partial<SummarizeBody> | null
  if (!body || typeof body.text !== 'string' || body.text.trim().length === 0) {
    throw new ValidationError('expected a JSON body { "text": "<text>", "max_length"?: <words> }')
  }
  const maxLength = body.max_length ?? 20
  if (!Number.isInteger(maxLength) || maxLength < 1 || maxLength > 200) {
    throw new ValidationError('max_length must be an integer of words between 1 and 200')
  }
  return { text: body.text, max_length: maxLength }
}

const encoder = new TextEncoder()
const sse = (data: unknown) =>
  encoder.encode(`data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`)

/** Server-sent events from an AI stream; the first chunk is read first so the headers can say hit or miss. */
async function streamResponse<C>(stream: AiStream<C>): Promise<Response> {
  const iterator = stream[Symbol.asyncIterator]()
  const started = performance.now()
  const first = await iterator.next()
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      if (!first.done) controller.enqueue(sse(first.value))
      if (first.done) finish(controller)
    },
    async pull(controller) {
      const next = await iterator.next()
      if (next.done) finish(controller)
      else controller.enqueue(sse(next.value))
    },
    async cancel() {
      await iterator.return?.()
    },
  })
  function finish(controller: ReadableStreamDefaultController<Uint8Array>) {
    const saved =
      stream.outcome === 'miss' ? 0 : (stream.usage?.inputTokens ?? 0) + (stream.usage?.outputTokens ?? 0)
    controller.enqueue(
      sse({ cache: stream.outcome, tokensSaved: saved, tookMs: Math.round(performance.now() - started) }),
    )
    controller.enqueue(sse('[DONE]'))
    controller.close()
  }
  return new Response(body, {
    headers: {
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache',
      'x-cache': stream.outcome,
      'x-cache-key': stream.key,
    },
  })
}

/**
 * Demo routes for the AI response cache: `POST /ai/summarize` (JSON), `POST /ai/summarize/stream`
 * (server-sent events) and `GET /ai/stats`, backed by a deterministic fake model.
 */
export function createAiRoutes(options: AiRoutesOptions) {
  const { ai, model } = options
  return async (request: Request, url: URL): Promise<Response | undefined> => {
    const path = url.pathname
    if (request.method === 'GET' && path === '/ai/stats') return json(ai.stats())
    if (request.method !== 'POST') return undefined
    if (path === '/ai/summarize') {
      const body = await readBody(request)
      const started = performance.now()
      const result = await ai.getOrGenerateResult(
        {
          text: body.text,
          operation: 'summarize',
          options: { max_length: body.max_length },
          model: model.model,
        },
        () => model.summarize(body.text, body.max_length),
      )
      const usage = result.usage
      return json(
        {
          summary: result.response.summary,
          cache: result.outcome,
          tokensSaved: result.outcome === 'miss' ? 0 : (usage?.inputTokens ?? 0) + (usage?.outputTokens ?? 0),
          costSavedUsd: result.costSavedUsd,
          tookMs: Math.round(performance.now() - started),
          key: result.key,
        },
        200,
        { 'x-cache': result.outcome },
      )
    }
    if (path === '/ai/summarize/stream') {
      const body = await readBody(request)
      const stream = ai.wrapStream(
        {
          text: body.text,
          operation: 'summarize',
          options: { max_length: body.max_length },
          model: model.model,
        },
        (signal) => model.stream(body.text, body.max_length, signal),
      )
      return streamResponse(stream)
    }
    return undefined
  }
}
