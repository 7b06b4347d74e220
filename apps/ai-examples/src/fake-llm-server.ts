import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { countTokens, fakeAnswer, fakeEmbedding } from './fake-model'

/** What the fake server has been asked, so tests can prove a cache hit made no upstream call. */
export interface ServerCalls {
  chat: number
  chatStream: number
  messages: number
  messagesStream: number
  embeddings: number
  embeddingInputs: string[][]
  /** Streams the client closed before the end. */
  aborted: number
}

/** A running fake server. */
export interface FakeLlmServer {
  /** e.g. `http://127.0.0.1:41234` */
  url: string
  calls: ServerCalls
  close(): Promise<void>
}

type Message = { role: string; content: string | { type: string; text?: string }[] }

function lastUserText(messages: Message[]): string {
  const last = [...messages].reverse().find((m) => m.role === 'user')
  if (!last) return ''
  return typeof last.content === 'string'
    ? last.content
    : last.content.map((p) => (p.type === 'text' ? (p.text ?? '') : '')).join(' ')
}

async function readJson(req: IncomingMessage): Promise<any> {
  const chunks: Buffer[] = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  return JSON.parse(Buffer.concat(chunks).toString('utf8'))
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Writes server-sent events one by one with a small delay, like a model producing tokens. */
async function sendEvents(res: ServerResponse, events: { event?: string; data: string }[], delayMs: number) {
  res.writeHead(200, {
    'content-type': 'text/event-stream',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
  })
  for (const { event, data } of events) {
    if (res.destroyed) return false
    res.write(`${event ? `event: ${event}\n` : ''}data: ${data}\n\n`)
    await sleep(delayMs)
  }
  res.end()
  return true
}

function openAiChat(body: any, calls: ServerCalls, res: ServerResponse, delayMs: number) {
  const prompt = lastUserText(body.messages)
  const words = fakeAnswer(prompt)
  const usage = {
    prompt_tokens: countTokens(JSON.stringify(body.messages)),
    completion_tokens: words.length,
    total_tokens: countTokens(JSON.stringify(body.messages)) + words.length,
  }
  const base = {
    id: 'chatcmpl-fake',
    created: 1_700_000_000,
    model: body.model,
    system_fingerprint: 'fp_fake',
  }
  if (!body.stream) {
    calls.chat++
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end(
      JSON.stringify({
        ...base,
        object: 'chat.completion',
        choices: [
          {
            index: 0,
            message: { role: 'assistant', content: words.join(''), refusal: null },
            logprobs: null,
            finish_reason: 'stop',
          },
        ],
        usage,
      }),
    )
    return Promise.resolve(true)
  }
  calls.chatStream++
  const chunk = (delta: object, finish: string | null) =>
    JSON.stringify({
      ...base,
      object: 'chat.completion.chunk',
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
    })
  const events = [
    { data: chunk({ role: 'assistant', content: '' }, null) },
    ...words.map((w) => ({ data: chunk({ content: w }, null) })),
    { data: chunk({}, 'stop') },
    ...(body.stream_options?.include_usage
      ? [{ data: JSON.stringify({ ...base, object: 'chat.completion.chunk', choices: [], usage }) }]
      : []),
    { data: '[DONE]' },
  ]
  return sendEvents(res, events, delayMs)
}

function anthropicMessages(body: any, calls: ServerCalls, res: ServerResponse, delayMs: number) {
  const words = fakeAnswer(lastUserText(body.messages))
  const inputTokens = countTokens(JSON.stringify(body.messages) + (body.system ?? ''))
  const message = {
    id: 'msg_fake',
    type: 'message',
    role: 'assistant',
    model: body.model,
    stop_sequence: null,
  }
  if (!body.stream) {
    calls.messages++
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end(
      JSON.stringify({
        ...message,
        content: [{ type: 'text', text: words.join('') }],
        stop_reason: 'end_turn',
        usage: { input_tokens: inputTokens, output_tokens: words.length },
      }),
    )
    return Promise.resolve(true)
  }
  calls.messagesStream++
  const event = (type: string, data: object) => ({ event: type, data: JSON.stringify({ type, ...data }) })
  return sendEvents(
    res,
    [
      event('message_start', {
        message: {
          ...message,
          content: [],
          stop_reason: null,
          usage: { input_tokens: inputTokens, output_tokens: 1 },
        },
      }),
      event('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }),
      ...words.map((w) => event('content_block_delta', { index: 0, delta: { type: 'text_delta', text: w } })),
      event('content_block_stop', { index: 0 }),
      event('message_delta', {
        delta: { stop_reason: 'end_turn', stop_sequence: null },
        usage: { output_tokens: words.length },
      }),
      event('message_stop', {}),
    ],
    delayMs,
  )
}

function embeddings(body: any, calls: ServerCalls, res: ServerResponse) {
  const inputs: string[] = Array.isArray(body.input) ? body.input : [body.input]
  calls.embeddings++
  calls.embeddingInputs.push(inputs)
  const dims = body.dimensions ?? 1536
  res.writeHead(200, { 'content-type': 'application/json' })
  res.end(
    JSON.stringify({
      object: 'list',
      model: body.model,
      data: inputs.map((text, index) => {
        const vector = fakeEmbedding(text, dims)
        const embedding =
          body.encoding_format === 'base64'
            ? Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength).toString('base64')
            : Array.from(vector)
        return { object: 'embedding', index, embedding }
      }),
      usage: { prompt_tokens: inputs.length, total_tokens: inputs.length },
    }),
  )
}

/**
 * Starts an OpenAI- and Anthropic-compatible server on loopback: `POST /v1/chat/completions` (JSON or
 * server-sent events ending in `data: [DONE]`), `POST /v1/messages` (JSON or named events) and
 * `POST /v1/embeddings` (float or base64). Answers are deterministic; streams pause `chunkDelayMs`
 * between chunks.
 */
export async function startFakeLlmServer(
  options: { port?: number; chunkDelayMs?: number } = {},
): Promise<FakeLlmServer> {
  const calls: ServerCalls = {
    chat: 0,
    chatStream: 0,
    messages: 0,
    messagesStream: 0,
    embeddings: 0,
    embeddingInputs: [],
    aborted: 0,
  }
  const delayMs = options.chunkDelayMs ?? 5
  const server: Server = createServer(async (req, res) => {
    try {
      const body = await readJson(req)
      let finished = true
      if (req.url === '/v1/chat/completions') finished = await openAiChat(body, calls, res, delayMs)
      else if (req.url === '/v1/messages') finished = await anthropicMessages(body, calls, res, delayMs)
      else if (req.url === '/v1/embeddings') embeddings(body, calls, res)
      else {
        res.writeHead(404, { 'content-type': 'application/json' })
        res.end(JSON.stringify({ error: { message: `no route ${req.url}` } }))
      }
      if (!finished) calls.aborted++
    } catch (error) {
      if (!res.headersSent) res.writeHead(400, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ error: { message: (error as Error).message } }))
    }
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 0, '127.0.0.1', resolve)
  })
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
