import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { CacheKeyGenerator } from '../src/index'

const generator = new CacheKeyGenerator({ textHashThreshold: 16 })

const number = fc.double({ noNaN: true, noDefaultInfinity: true })
const part = fc.oneof(
  fc.record({ type: fc.constant('text'), text: fc.string({ maxLength: 40 }) }),
  fc.record({ type: fc.constant('image'), data: fc.uint8Array({ minLength: 1, maxLength: 24 }) }),
  fc.record({ type: fc.constant('json'), value: fc.jsonValue({ maxDepth: 2 }) }),
)
const message = fc.record({
  role: fc.constantFrom('user', 'assistant', 'system'),
  content: fc.oneof(fc.string({ maxLength: 40 }), fc.array(part, { minLength: 1, maxLength: 3 })),
})
const chatRequest = fc.record(
  {
    model: fc.stringMatching(/^[a-z0-9-]{1,12}$/),
    messages: fc.array(message, { minLength: 1, maxLength: 3 }),
    temperature: number,
    top_p: number,
    max_tokens: fc.nat(),
    stop: fc.array(fc.string({ maxLength: 4 }), { maxLength: 2 }),
    seed: fc.integer(),
    tools: fc.array(
      fc.record({
        type: fc.constant('function'),
        function: fc.record({ name: fc.string({ maxLength: 8 }), parameters: fc.jsonValue({ maxDepth: 2 }) }),
      }),
      { maxLength: 2 },
    ),
    tool_choice: fc.constantFrom('auto', 'none', 'required'),
    response_format: fc.record({ type: fc.constantFrom('text', 'json_object') }),
    system: fc.string({ maxLength: 40 }),
  },
  { requiredKeys: ['model', 'messages'] },
)
const textRequest = fc.record(
  {
    text: fc.string({ maxLength: 40 }),
    operation: fc.constantFrom('summarize', 'qa', 'translate', 'sentiment'),
    options: fc.dictionary(fc.string({ maxLength: 6 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 }),
    question: fc.string({ maxLength: 20 }),
  },
  { requiredKeys: ['text', 'operation'] },
)

/** A deep copy with every object's keys in an order picked by `seed`. */
function reorder(value: unknown, seed: { n: number }): unknown {
  if (value instanceof Uint8Array) return value.slice()
  if (Array.isArray(value)) return value.map((v) => reorder(v, seed))
  if (value && typeof value === 'object') {
    const entries = Object.entries(value)
    for (let i = entries.length - 1; i > 0; i--) {
      seed.n = (seed.n * 1103515245 + 12345) & 0x7fffffff
      const j = seed.n % (i + 1)
      ;[entries[i], entries[j]] = [entries[j]!, entries[i]!]
    }
    return Object.fromEntries(entries.map(([k, v]) => [k, reorder(v, seed)]))
  }
  return value
}

function countLeaves(value: unknown): number {
  if (value instanceof Uint8Array || value === null || typeof value !== 'object') return 1
  return Object.values(value).reduce<number>((sum, v) => sum + countLeaves(v), 0)
}

/** A deep copy whose `index`-th leaf (depth first) is changed to a different value. */
function mutate(value: unknown, state: { index: number }): unknown {
  if (value instanceof Uint8Array || value === null || typeof value !== 'object') {
    if (state.index-- !== 0) return value instanceof Uint8Array ? value.slice() : value
    if (value instanceof Uint8Array) {
      const copy = value.slice()
      copy[0] = copy[0]! ^ 0xff
      return copy
    }
    if (typeof value === 'string') return `${value}x`
    if (typeof value === 'number') return value === 0 ? 1 : -value
    if (typeof value === 'boolean') return !value
    return 0
  }
  if (Array.isArray(value)) return value.map((v) => mutate(v, state))
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, mutate(v, state)]))
}

describe('AI cache keys: properties', () => {
  it('any reordering of object keys gives the same key (chat shape)', () => {
    fc.assert(
      fc.property(chatRequest, fc.nat(), (request, n) => {
        expect(generator.key(reorder(request, { n }) as never)).toBe(generator.key(request as never))
      }),
    )
  })

  it('any reordering of object keys gives the same key (guide shape)', () => {
    fc.assert(
      fc.property(textRequest, fc.nat(), (request, n) => {
        expect(generator.key(reorder(request, { n }) as never)).toBe(generator.key(request as never))
      }),
    )
  })

  it('any change to any parameter or content part gives a different key (chat shape)', () => {
    fc.assert(
      fc.property(
        chatRequest.chain((r) => fc.tuple(fc.constant(r), fc.nat({ max: countLeaves(r) - 1 }))),
        ([request, index]) => {
          const changed = mutate(request, { index })
          expect(generator.key(changed as never)).not.toBe(generator.key(request as never))
        },
      ),
    )
  })

  it('any change to the text, options or question gives a different key (guide shape)', () => {
    fc.assert(
      fc.property(
        textRequest.chain((r) => fc.tuple(fc.constant(r), fc.nat({ max: countLeaves(r) - 1 }))),
        ([request, index]) => {
          const changed = mutate(request, { index }) as { operation: string }
          fc.pre(/^[A-Za-z0-9_.-]{1,64}$/.test(changed.operation))
          expect(generator.key(changed as never)).not.toBe(generator.key(request as never))
        },
      ),
    )
  })

  it('adding or removing a content part gives a different key', () => {
    fc.assert(
      fc.property(chatRequest, part, (request, extra) => {
        const messages = request.messages.map((m) => ({
          ...m,
          content: typeof m.content === 'string' ? [{ type: 'text', text: m.content }] : m.content,
        }))
        const more = {
          ...request,
          messages: [{ ...messages[0]!, content: [...messages[0]!.content, extra] }, ...messages.slice(1)],
        }
        expect(generator.key(more as never)).not.toBe(generator.key(request as never))
      }),
    )
  })
})
