import { createRandom } from './random'

/** A plain object of about 1 KB as JSON, like a user profile or an API response row. */
export function kbObject(id: number): Record<string, unknown> {
  return {
    id,
    name: `User ${id}`,
    email: `user${id}@example.com`,
    active: id % 3 !== 0,
    roles: ['reader', id % 2 === 0 ? 'writer' : 'guest'],
    address: { street: `${id} Long Street`, city: 'Springfield', zip: `${10000 + (id % 89999)}` },
    scores: [id % 7, id % 11, id % 13, id % 17, id % 19],
    createdAt: '2026-01-01T00:00:00.000Z',
    bio: 'lorem ipsum dolor sit amet consectetur adipiscing elit '.repeat(14).slice(0, 720),
  }
}

const WORDS = (
  'the of and to in is that for it as with was on be by this are or an from at which can will ' +
  'model cache response token request value latency user data system function return result error ' +
  'example code should would could using use when where because however therefore first second ' +
  'step note important consider approach performance memory network server client key time query ' +
  'Here is a short explanation of how the algorithm works in practice with some trade-offs'
).split(' ')

/** About `bytes` of deterministic LLM-like prose with markdown, for a chat completion. */
export function llmText(bytes: number, seed: number): string {
  const random = createRandom(seed)
  const parts: string[] = []
  let length = 0
  let sentence = 0
  while (length < bytes) {
    const words = 8 + Math.floor(random() * 18)
    let s = ''
    for (let i = 0; i < words; i++) {
      // Squaring skews choices toward the first words, as in natural text.
      const w = WORDS[Math.floor(random() ** 2 * WORDS.length)]!
      s += i === 0 ? w[0]!.toUpperCase() + w.slice(1) : ` ${w}`
    }
    s += sentence % 7 === 6 ? '.\n\n' : sentence % 13 === 12 ? ':\n\n```ts\nconst x = 1\n```\n\n' : '. '
    if (sentence % 29 === 0) s = `## Section ${sentence / 29 + 1}\n\n${s}`
    parts.push(s)
    length += s.length
    sentence++
  }
  return parts.join('').slice(0, bytes)
}

/** A chat-completion-shaped response around `llmText`. */
export function llmResponse(bytes: number, seed: number): Record<string, unknown> {
  return chatCompletion(llmText(bytes, seed), seed)
}

/** A chat completion whose answer is `content`. */
export function chatCompletion(content: string, seed: number): Record<string, unknown> {
  const tokens = Math.round(content.length / 4)
  return {
    id: `chatcmpl-${seed}`,
    object: 'chat.completion',
    created: 1_760_000_000 + seed,
    model: 'gpt-bench-1',
    choices: [{ index: 0, finish_reason: 'stop', message: { role: 'assistant', content } }],
    usage: { prompt_tokens: 812, completion_tokens: tokens, total_tokens: 812 + tokens },
  }
}
