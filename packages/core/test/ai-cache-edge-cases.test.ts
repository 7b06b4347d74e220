import { describe, expect, it } from 'vitest'
import {
  CacheKeyGenerator,
  type CacheOptions,
  createAiCache,
  createCache,
  createCodec,
  deepFreeze,
  defaultCacheable,
  type Serializer,
  ValidationError,
} from '../src/index'
import { deferred } from './helpers/deferred'
import { mapL1, mapStore } from './helpers/stores'

const keys = new CacheKeyGenerator()
const encoder = new TextEncoder()
const decoder = new TextDecoder()

/** A serializer that keeps Dates (as msgpack does), so stored answers are not plain data L1 can freeze. */
const datesSerializer: Serializer = {
  id: 'test-dates',
  serialize: (value) =>
    encoder.encode(
      JSON.stringify(value, function (this: Record<string, unknown>, key, v) {
        return this[key] instanceof Date ? { $date: (this[key] as Date).getTime() } : v
      }),
    ),
  deserialize: (bytes) =>
    JSON.parse(decoder.decode(bytes), (_key, v) =>
      v && typeof v === 'object' && typeof v.$date === 'number' ? new Date(v.$date) : v,
    ),
}

async function setup(namespace: string, options: Partial<CacheOptions> = {}, withL1 = true) {
  const cache = await createCache({
    store: mapStore(),
    ...(withL1 ? { l1: mapL1() } : {}),
    namespace,
    ...options,
  })
  return { cache, ai: createAiCache({ cache }) }
}

/** Two concurrent getOrGenerate calls for one request, released together. */
async function coalesced<R>(ai: ReturnType<typeof createAiCache>, request: object, make: () => R) {
  const gate = deferred<void>()
  let calls = 0
  const generate = async () => {
    calls++
    await gate.promise
    return make()
  }
  const a = ai.getOrGenerateResult(request as never, generate)
  const b = ai.getOrGenerateResult(request as never, generate)
  gate.resolve()
  const [ra, rb] = await Promise.all([a, b])
  return { ra, rb, calls }
}

describe('getOrGenerate hands out the stored form', () => {
  for (const withL1 of [true, false]) {
    it(`a miss returns what a later hit returns, type for type (${withL1 ? 'L1 + L2' : 'L2 only'})`, async () => {
      const { ai } = await setup(`edge-miss-${withL1}`, {}, withL1)
      const request = { model: 'm', messages: 'when?' }
      const first = await ai.getOrGenerate(request, () => ({ at: new Date(0), n: -0, gone: undefined }))
      const second = await ai.getOrGenerate(request, () => ({ at: new Date(1), n: 1, gone: undefined }))
      expect(first).toStrictEqual({ at: '1970-01-01T00:00:00.000Z', n: 0 })
      expect(second).toStrictEqual(first)
    })

    it(`a miss of freezable data returns its JSON form too: -0, NaN, undefined, toJSON (${withL1 ? 'L1 + L2' : 'L2 only'})`, async () => {
      const { ai } = await setup(`edge-plain-${withL1}`, {}, withL1)
      const request = { model: 'm', messages: 'plain?' }
      const generated = {
        n: -0,
        nan: Number.NaN,
        gone: undefined,
        list: [undefined],
        when: { toJSON: () => 'then' },
      }
      const first = await ai.getOrGenerate(request, () => generated)
      expect(first).toStrictEqual({ n: 0, nan: null, list: [null], when: 'then' })
      expect(first).not.toBe(generated)
      expect(await ai.getOrGenerate(request, () => ({}))).toStrictEqual(first)
    })

    it(`coalesced callers cannot change each other's answer, even a shallow-frozen one (${withL1 ? 'L1 + L2' : 'L2 only'})`, async () => {
      const { ai } = await setup(`edge-shared-${withL1}`, {}, withL1)
      const { ra, rb, calls } = await coalesced(ai, { model: 'm', messages: 'shared?' }, () =>
        Object.freeze({ choices: [{ message: { content: 'original' } }] }),
      )
      expect(calls).toBe(1)
      expect([ra.outcome, rb.outcome].sort()).toEqual(['coalesced', 'miss'])
      const change = () => {
        ;(ra.response.choices[0]!.message as { content: string }).content = 'changed'
      }
      // With L1 they share one deep-frozen answer; without, as every read without L1, each has its own copy.
      if (withL1) expect(change).toThrow(TypeError)
      else change()
      expect(rb.response.choices[0]!.message.content).toBe('original')
      const hit = await ai.getOrGenerate({ model: 'm', messages: 'shared?' }, () => rb.response)
      expect(hit.choices[0]!.message.content).toBe('original')
    })
  }

  it('gives each coalesced caller its own copy of an answer freezing cannot protect, equal to a hit', async () => {
    const { ai } = await setup('edge-dates', { codec: createCodec({ serializer: datesSerializer }) })
    const request = { model: 'm', messages: 'dated?' }
    const { ra, rb } = await coalesced(ai, request, () => ({ at: new Date(5), tags: ['x'] }))
    expect(ra.response.at).toBeInstanceOf(Date)
    expect(rb.response).toStrictEqual(ra.response)
    expect(rb.response).not.toBe(ra.response)
    ra.response.tags.push('changed by A')
    ra.response.at.setTime(99)
    expect(rb.response).toStrictEqual({ at: new Date(5), tags: ['x'] })
    expect(await ai.getOrGenerate(request, () => ({ at: new Date(6), tags: [] }))).toStrictEqual(rb.response)
  })

  it('still returns (frozen, to every caller) an answer the policy refuses to store', async () => {
    const cache = await createCache({ store: mapStore(), l1: mapL1(), namespace: 'edge-refused' })
    const ai = createAiCache({ cache, cacheable: () => false })
    const { ra, rb, calls } = await coalesced(ai, { model: 'm', messages: 'no' }, () =>
      Object.freeze({ choices: [{ text: 'kept' }] }),
    )
    expect(calls).toBe(1)
    expect(rb.response).toBe(ra.response)
    expect(() => {
      ra.response.choices[0]!.text = 'changed'
    }).toThrow(TypeError)
    expect(rb.response).toEqual({ choices: [{ text: 'kept' }] })
    expect(ai.stats().skippedByPolicy).toBe(1)
  })
})

describe('deepFreeze', () => {
  it('walks into objects someone else froze shallowly', () => {
    const inner = { text: 'answer' }
    const deeper = { list: [{ x: 1 }] }
    const value = Object.freeze({ choices: [inner], nested: Object.freeze({ deeper }) })
    expect(deepFreeze(value)).toBe(true)
    expect(Object.isFrozen(inner)).toBe(true)
    expect(Object.isFrozen(deeper.list[0])).toBe(true)
    expect(deepFreeze(value)).toBe(true)
  })

  it('ends on cycles and shared parts, frozen or not, and refuses a frozen Date', () => {
    const a: Record<string, unknown> = { name: 'a' }
    const b: Record<string, unknown> = { name: 'b', a, again: a }
    a.b = b
    a.same = b
    expect(deepFreeze(a)).toBe(true)
    expect(Object.isFrozen(a) && Object.isFrozen(b)).toBe(true)
    const frozenCycle: Record<string, unknown> = { leaf: { n: 1 } }
    frozenCycle.self = frozenCycle
    Object.freeze(frozenCycle)
    expect(deepFreeze(frozenCycle)).toBe(true)
    expect(Object.isFrozen(frozenCycle.leaf)).toBe(true)
    expect(deepFreeze({ at: Object.freeze(new Date(0)) })).toBe(false)
  })
})

describe('wrapStream and empty streams', () => {
  it('does not store a stream that ends without a chunk; the next call asks upstream again', async () => {
    const { ai } = await setup('edge-empty')
    const request = { model: 'm', messages: 'empty?' }
    const empty = ai.wrapStream(request, async function* () {})
    for await (const _ of empty) expect.unreachable()
    expect(ai.stats().skippedByPolicy).toBe(1)
    const again = ai.wrapStream(request, async function* () {
      yield 'real answer'
    })
    const chunks: string[] = []
    for await (const chunk of again) chunks.push(chunk)
    expect(again.outcome).toBe('miss')
    expect(chunks).toEqual(['real answer'])
  })

  it('defaultCacheable refuses an empty stream but not an empty whole answer; a policy can opt in', async () => {
    expect(defaultCacheable({ text: 't', operation: 'o' }, [], 'stream')).toBe(false)
    expect(defaultCacheable({ text: 't', operation: 'o' }, [], 'response')).toBe(true)
    const cache = await createCache({ store: mapStore(), namespace: 'edge-opt-in' })
    const kinds: string[] = []
    const ai = createAiCache({
      cache,
      cacheable: (_request, _response, kind) => {
        kinds.push(kind ?? 'none')
        return true
      },
    })
    const request = { model: 'm', messages: 'nothing to say' }
    for await (const _ of ai.wrapStream(request, async function* () {})) expect.unreachable()
    const replay = ai.wrapStream(request, async function* () {
      yield 'unused'
    })
    for await (const _ of replay) expect.unreachable()
    expect(replay.outcome).toBe('hit')
    expect(kinds).toEqual(['stream'])
  })
})

describe('AI keys: text, binary and wire-equal forms', () => {
  const image = (url: string) => ({
    model: 'm',
    messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url } }] }],
  })

  it('keeps user text that looks like a data URL as text', () => {
    const a = keys.explain({ text: 'data:text/plain;base64,aGk+', operation: 'summarize' })
    const b = keys.explain({ text: 'DATA:TEXT/PLAIN;base64,aGk-', operation: 'summarize' })
    expect(a.key).not.toBe(b.key)
    expect(a.hashed).toEqual([])
    const part = (text: string) => ({
      model: 'm',
      messages: [{ role: 'user', content: [{ type: 'text', text }] }],
    })
    expect(keys.key(part('data:,;base64,aGVsbG8='))).not.toBe(keys.key(part('data:,;base64,aGVs bG8')))
    expect(keys.key({ model: 'm', messages: 'data:,;base64,aGVsbG8=' })).not.toBe(
      keys.key({ model: 'm', messages: 'data:,;base64,aGVs bG8' }),
    )
  })

  it('still decodes data URLs where a request carries binary data, nested parts included', () => {
    // Same bytes spelled two ways: one image to the provider, one key.
    expect(keys.key(image('data:image/png;base64,aGk+'))).toBe(keys.key(image('DATA:image/png;base64,aGk-')))
    const explained = keys.explain({
      model: 'm',
      messages: [
        {
          role: 'user',
          content: [
            {
              type: 'tool_result',
              content: [{ type: 'image_url', image_url: { url: 'data:image/png;base64,AAEC' } }],
            },
            { type: 'file', file: { file_data: 'data:application/pdf;base64,AAED' } },
          ],
        },
      ],
    })
    expect(explained.hashed.map((h) => [h.path, h.kind, h.mediaType])).toEqual([
      ['$.messages[0].content[0].content[0].image_url.url', 'binary', 'image/png'],
      ['$.messages[0].content[1].file.file_data', 'binary', 'application/pdf'],
    ])
  })

  it('gives long texts differing only by a lone surrogate vs U+FFFD their own keys', () => {
    const prefix = 'x'.repeat(200)
    const lone = keys.explain({ text: `${prefix}\ud800`, operation: 'summarize' })
    const replaced = keys.explain({ text: `${prefix}\ufffd`, operation: 'summarize' })
    expect(lone.key).not.toBe(replaced.key)
    expect(keys.key({ text: `${prefix}\ud800`, operation: 'summarize' })).toBe(lone.key)
    expect(keys.key({ text: `${prefix}\udc00`, operation: 'summarize' })).not.toBe(lone.key)
    expect(replaced.canonical).toContain('"text":txt:')
  })

  it('gives a sparse array the key of the same array with undefined (both [null,"a"] on the wire)', () => {
    // biome-ignore lint/suspicious/noSparseArray: the point of the test
    const sparse = [, 'a'] as unknown as string[]
    const filled = [undefined, 'a'] as unknown as string[]
    expect(keys.key({ model: 'm', messages: 'x', stop: sparse })).toBe(
      keys.key({ model: 'm', messages: 'x', stop: filled }),
    )
    expect(keys.key({ model: 'm', messages: 'x', stop: sparse })).toBe(
      keys.key({ model: 'm', messages: 'x', stop: [null, 'a'] as unknown as string[] }),
    )
    // biome-ignore lint/suspicious/noSparseArray: a hole where a message belongs
    expect(() => keys.key({ model: 'm', messages: [, { role: 'user', content: 'x' }] })).toThrow(
      ValidationError,
    )
  })

  it('treats system: null as absent and refuses a system that is neither text nor parts, naming it', () => {
    const base = { model: 'm', messages: 'x' }
    expect(keys.key({ ...base, system: null })).toBe(keys.key(base))
    for (const system of [{ text: 'be brief' }, 42]) {
      expect(() => keys.key({ ...base, system } as never)).toThrow(ValidationError)
      expect(() => keys.key({ ...base, system } as never)).toThrow(/"system"/)
    }
  })
})

// Keys computed before the fixes above: a change here makes every cached answer of that shape miss.
describe('AI keys: stable across the fixes', () => {
  const png =
    'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=='
  const longText = `Résumé of the meeting 😀 ${'lorem ipsum dolor sit amet '.repeat(8)}— end`
  const cases: [string, unknown, string, Record<string, unknown>?][] = [
    [
      'text short, nested options',
      {
        text: 'Hello world',
        operation: 'summarize',
        options: { max_length: 100, style: { bullets: [1, 2.5, -0] } },
      },
      'ai:v1:summarize:-:hello-world:2eb4c6e242a911e0d0919c1d51ac61817576f6666a7a2115d12e247c5cd2e6be',
    ],
    [
      'text long, non-ASCII (hashed)',
      { text: longText, operation: 'summarize', question: 'why?' },
      'ai:v1:summarize:-:#5613f28dcf8e:17099911612b4b09283ba89c5717370e29d74fc2903171497e2a71cb16a8de51',
    ],
    [
      'text, threshold 0',
      { text: 'Héllo 😀', operation: 'translate', options: { target_language: 'fr' } },
      'ai:v1:translate:-:#b33e5b5c772a:c9a12554dd822496ce537936cdfaccdb28b9a9c7c3bd13cc8feab55bfadba1b2',
      { textHashThreshold: 0 },
    ],
    [
      'chat arrays and tools',
      {
        model: 'gpt-4o',
        messages: [
          { role: 'system', content: 'Be terse.' },
          { role: 'user', content: 'Weather?' },
        ],
        stop: ['\n', 'END'],
        temperature: 0.2,
        tools: [
          {
            type: 'function',
            function: { name: 'w', parameters: { type: 'object', required: ['city', 'unit'] } },
          },
        ],
      },
      'ai:v1:chat:gpt-4o:weather:e5bb9a845f099d1044f484750662d19d6622b5cc2e4d0862d3f143368feb8d33',
    ],
    [
      'chat image_url data URL',
      {
        model: 'gpt-4o',
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', text: 'What is this?' },
              { type: 'image_url', image_url: { url: `data:image/png;base64,${png}`, detail: 'low' } },
            ],
          },
        ],
      },
      'ai:v1:chat:gpt-4o:what-is-this:7335c3a1c2b7268a57ac1d2c34b82629a73f613d9def750c09714d8e00edb767',
    ],
    [
      'chat file part data URL',
      {
        model: 'gpt-4o',
        messages: [
          {
            role: 'user',
            content: [
              { type: 'file', file: { filename: 'a.pdf', file_data: `data:application/pdf;base64,${png}` } },
            ],
          },
        ],
      },
      'ai:v1:chat:gpt-4o:-:093d4fbfa6e5dad9eaaa52e71d3e531228d9e28ebdd0888208932f1457ee8f2b',
    ],
    [
      'anthropic system parts and base64 source',
      {
        model: 'claude-sonnet-4-5',
        max_tokens: 512,
        system: [{ type: 'text', text: 'Describe images.' }],
        messages: [
          {
            role: 'user',
            content: [
              { type: 'image', source: { type: 'base64', media_type: 'image/png', data: png } },
              { type: 'text', text: 'What?' },
            ],
          },
        ],
      },
      'ai:v1:chat:claude-sonnet-4-5:what:bb904db011da97d803f179aa4e88b18f824ab7423963f78845424b40dcb1ee37',
    ],
    [
      'anthropic system string',
      { model: 'claude-sonnet-4-5', max_tokens: 512, system: 'You are terse.', messages: 'Hi' },
      'ai:v1:chat:claude-sonnet-4-5:hi:082c6cbeda2d0e46bd086b7e1afd94dae18c1091df78ac4b682fb447b60e445e',
    ],
    [
      'input_audio',
      {
        model: 'gpt-4o-audio-preview',
        messages: [
          { role: 'user', content: [{ type: 'input_audio', input_audio: { data: 'AAEC', format: 'wav' } }] },
        ],
      },
      'ai:v1:chat:gpt-4o-audio-preview:-:3c65a4499267b7bfadd7a4dd0c2106c88ebb6e0e22a9647b33f9bbe1ed703573',
    ],
    [
      'chat long message text',
      { model: 'gpt-4o-mini', messages: [{ role: 'user', content: longText }], seed: 7 },
      'ai:v1:chat:gpt-4o-mini:#5613f28dcf8e:67a2e33040221ea4c78743e94312eb13ea569e92195558cb131c2acdf55f4db4',
    ],
    [
      'image_url string',
      {
        model: 'gpt-4o',
        messages: [
          { role: 'user', content: [{ type: 'input_image', image_url: `data:image/png;base64,${png}` }] },
        ],
      },
      'ai:v1:chat:gpt-4o:-:ca8e1629330629c634aaaf71d20b27cf3c8159b0a9ad9489fd1ac8be72419579',
    ],
    [
      'ai-sdk image and file parts',
      {
        model: 'gpt-4o',
        messages: [
          {
            role: 'user',
            content: [
              { type: 'image', image: `data:image/png;base64,${png}` },
              { type: 'file', data: `data:application/pdf;base64,${png}`, mediaType: 'application/pdf' },
            ],
          },
        ],
      },
      'ai:v1:chat:gpt-4o:-:525baa45fefcf4404fc7292ce0923cb8f8613c77a58d557bf9f2835d6fe9257f',
    ],
    [
      'nested tool_result image_url',
      {
        model: 'gpt-4o',
        messages: [
          {
            role: 'user',
            content: [
              {
                type: 'tool_result',
                tool_use_id: 't1',
                content: [{ type: 'image_url', image_url: { url: `data:image/png;base64,${png}` } }],
              },
            ],
          },
        ],
      },
      'ai:v1:chat:gpt-4o:-:4f8a9771f765bbe4f05f1718755eb7d63ee9e998212358210c5698be7376260c',
    ],
    [
      'chat streamed',
      { model: 'gpt-4o-mini', messages: 'Say hi', stream: true },
      'ai:v1:chat:gpt-4o-mini:say-hi:bad0fb8536e2763b9099577d31e610e0df15d6765c154cab3302c854f6a2c2a7',
    ],
  ]

  it.each(cases)('%s', (_name, request, key, options) => {
    expect(new CacheKeyGenerator(options).key(request as never)).toBe(key)
  })

  it('embedding of a long non-ASCII text', () => {
    expect(keys.embeddingKey(`${'é'.repeat(150)}😀`, 'text-embedding-3-small', { dimensions: 256 })).toBe(
      'ai:v1:embed:text-embedding-3-small:#176fa64ecd64:3a74c5140c517079ac10a146958079e162c14b40e3085d96bf8dca2d243e448a',
    )
  })
})
