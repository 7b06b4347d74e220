import { describe, expect, it } from 'vitest'
import {
  aiCacheKey,
  CacheKeyGenerator,
  type ChatRequest,
  encodeBase64,
  normalizeOptions,
  ValidationError,
} from '../src/index'

const generator = new CacheKeyGenerator()
const chat = (extra: Record<string, unknown> = {}): ChatRequest => ({
  model: 'gpt-4o-mini',
  messages: [{ role: 'user', content: 'Summarise the meeting notes' }],
  ...extra,
})
const bytes = (...values: number[]) => new Uint8Array(values)
const imagePart = (data: Uint8Array, mediaType = 'image/png') => ({
  type: 'image_url',
  image_url: { url: `data:${mediaType};base64,${encodeBase64(data)}` },
})

describe('CacheKeyGenerator: guide request shape', () => {
  it('generateCacheKey equals the key of the same request object', () => {
    const key = generator.generateCacheKey('Hello world', 'summarize', { max_length: 100 })
    expect(key).toBe(
      generator.key({ text: 'Hello world', operation: 'summarize', options: { max_length: 100 } }),
    )
    expect(key).toMatch(/^ai:v1:summarize:-:hello-world:[0-9a-f]{64}$/)
  })

  it('ignores option order and undefined options; normalises -0', () => {
    const a = generator.generateCacheKey('t', 'summarize', { a: 1, b: { x: 0, y: [1, 2] } })
    const b = generator.generateCacheKey('t', 'summarize', { b: { y: [1, 2], x: -0 }, c: undefined, a: 1.0 })
    expect(b).toBe(a)
  })

  it('separates the question of a qa request and the options of each operation', () => {
    const base = { text: 'Paris is in France.', operation: 'qa' }
    const keys = new Set([
      generator.key(base),
      generator.key({ ...base, question: 'Where is Paris?' }),
      generator.key({ ...base, question: 'What is Paris?' }),
      generator.key({ ...base, operation: 'summarize' }),
      generator.key({ ...base, options: { max_length: 10 } }),
      generator.key({ ...base, options: { max_length: '10' } }),
    ])
    expect(keys.size).toBe(6)
  })

  it('gives a streamed answer its own key', () => {
    const request = { text: 'Hello', operation: 'summarize' }
    expect(generator.key({ ...request, stream: true })).not.toBe(generator.key(request))
    expect(generator.key({ ...request, stream: false })).toBe(generator.key(request))
  })

  it('keeps short text readable (sanitised) and hashes long text', () => {
    expect(generator.key({ text: 'Hello: *World*?', operation: 'summarize' })).toContain(':hello-world:')
    const long = 'x'.repeat(101)
    const explained = generator.explain({ text: long, operation: 'summarize' })
    expect(explained.readable).toBeUndefined()
    expect(explained.key).not.toContain('xxxx')
    expect(explained.hashed).toEqual([expect.objectContaining({ path: '$.text', kind: 'text', bytes: 101 })])
    expect(explained.canonical).not.toContain('xxxx')
  })

  it('keeps keys short for huge inputs', () => {
    const explained = generator.explain({ text: 'a'.repeat(1_000_000), operation: 'summarize' })
    expect(explained.keyBytes).toBeLessThan(200)
    expect(explained.keyBytes).toBe(explained.key.length)
  })

  it('starts every key with its version, so a new scheme never serves old entries', () => {
    const request = { text: 'Hello', operation: 'summarize' }
    const v2 = aiCacheKey(request, { version: 'v2' })
    expect(v2.startsWith('ai:v2:summarize:')).toBe(true)
    expect(v2.slice(7)).not.toBe(aiCacheKey(request).slice(7))
  })

  it('rejects NaN, Infinity, functions, symbols, bigints, Maps and cycles', () => {
    const cyclic: Record<string, unknown> = {}
    cyclic.self = cyclic
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, () => 1, Symbol('s'), 1n, new Map(), cyclic]) {
      expect(() => generator.generateCacheKey('t', 'summarize', { bad })).toThrow(ValidationError)
    }
  })

  it('rejects bad operations, versions and thresholds', () => {
    expect(() => generator.generateCacheKey('t', 'sum:marize')).toThrow(ValidationError)
    expect(() => generator.generateCacheKey('t', '')).toThrow(ValidationError)
    expect(() => new CacheKeyGenerator({ version: 'v1:x' })).toThrow(ValidationError)
    expect(() => new CacheKeyGenerator({ textHashThreshold: -1 })).toThrow(ValidationError)
    expect(() => generator.key({ nothing: true } as never)).toThrow(ValidationError)
  })
})

describe('CacheKeyGenerator: chat request shape', () => {
  it('treats string content and a single text part alike', () => {
    const parts = chat({
      messages: [{ role: 'user', content: [{ type: 'text', text: 'Summarise the meeting notes' }] }],
    })
    expect(generator.key(parts)).toBe(generator.key(chat()))
    expect(generator.key(chat({ messages: 'Summarise the meeting notes' }))).toBe(generator.key(chat()))
  })

  it('changes with the model and every generation parameter', () => {
    const variants: Record<string, unknown>[] = [
      {},
      { model: 'gpt-4o' },
      { temperature: 0 },
      { temperature: 0.7 },
      { top_p: 0.5 },
      { max_tokens: 10 },
      { stop: ['\n'] },
      { stop: '\n' },
      { seed: 1 },
      { tools: [{ type: 'function', function: { name: 'f' } }] },
      { tools: [{ type: 'function', function: { name: 'g' } }] },
      { tool_choice: 'auto' },
      { tool_choice: 'none' },
      { response_format: { type: 'json_object' } },
      { system: 'Be brief' },
      { presence_penalty: 0.1 },
      { operation: 'summarize' },
      { stream: true },
    ]
    const keys = variants.map((v) => generator.key(chat(v)))
    expect(new Set(keys).size).toBe(variants.length)
  })

  it('ignores transport-only fields and stream: false', () => {
    const base = generator.key(chat())
    expect(generator.key(chat({ user: 'u1', metadata: { trace: 1 }, stream: false }))).toBe(base)
    expect(generator.key(chat({ stream: true, stream_options: { include_usage: true } }))).toBe(
      generator.key(chat({ stream: true })),
    )
  })

  it('hashes images by their bytes: same bytes hit, a different image misses', () => {
    const withImage = (part: unknown) =>
      chat({
        messages: [{ role: 'user', content: [{ type: 'text', text: 'What is this?' }, part as never] }],
      })
    const a = generator.explain(withImage(imagePart(bytes(1, 2, 3))))
    expect(generator.key(withImage(imagePart(bytes(1, 2, 3))))).toBe(a.key)
    expect(generator.key(withImage(imagePart(bytes(1, 2, 4))))).not.toBe(a.key)
    expect(generator.key(withImage(imagePart(bytes(1, 2, 3), 'image/jpeg')))).not.toBe(a.key)
    expect(a.hashed).toEqual([expect.objectContaining({ kind: 'binary', bytes: 3, mediaType: 'image/png' })])
  })

  it('hashes raw binary parts: Uint8Array, ArrayBuffer and other views of equal bytes agree', () => {
    const part = (data: unknown) => chat({ messages: [{ role: 'user', content: [{ type: 'file', data }] }] })
    const key = generator.key(part(bytes(9, 8, 7, 6)))
    expect(generator.key(part(bytes(9, 8, 7, 6).buffer))).toBe(key)
    expect(generator.key(part(new DataView(bytes(0, 9, 8, 7, 6).buffer, 1)))).toBe(key)
    expect(generator.key(part(bytes(9, 8, 7, 5)))).not.toBe(key)
  })

  it('decodes Anthropic base64 image sources and OpenAI input audio before hashing', () => {
    const anthropic = (data: string) =>
      chat({
        messages: [
          {
            role: 'user',
            content: [{ type: 'image', source: { type: 'base64', media_type: 'image/png', data } }],
          },
        ],
      })
    const key = generator.key(anthropic(encodeBase64(bytes(1, 2, 3, 4))))
    expect(generator.key(anthropic('AQID BA=='))).toBe(key)
    expect(generator.key(anthropic(encodeBase64(bytes(1, 2, 3, 5))))).not.toBe(key)
    const audio = generator.explain(
      chat({
        messages: [
          { role: 'user', content: [{ type: 'input_audio', input_audio: { data: 'AAEC', format: 'wav' } }] },
        ],
      }),
    )
    expect(audio.hashed).toEqual([expect.objectContaining({ kind: 'binary', bytes: 3 })])
  })

  it('rejects malformed chat requests', () => {
    expect(() => generator.key({ model: '', messages: [] })).toThrow(ValidationError)
    expect(() => generator.key({ model: 'm', messages: [{ content: 'x' } as never] })).toThrow(
      ValidationError,
    )
    expect(() => generator.key(chat({ temperature: Number.NaN }))).toThrow(/temperature/)
  })

  it('explains the canonical form, readable text and key length', () => {
    const explained = generator.explain(chat({ temperature: 0.2 }))
    expect(explained).toMatchObject({
      shape: 'chat',
      operation: 'chat',
      model: 'gpt-4o-mini',
      readable: 'summarise-the-meeting-notes',
      version: 'v1',
      hashed: [],
    })
    expect(explained.canonical).toContain('"temperature":0.2')
    expect(explained.keyBytes).toBe(explained.key.length)
  })
})

describe('normalizeOptions', () => {
  const schemas = {
    summarize: {
      max_length: 'integer',
      style: { type: 'string', values: ['bullet', 'paragraph'], default: 'paragraph' },
    },
    translate: { target_language: { type: 'string', required: true } },
  } as const

  it('turns a misspelt option into a ValidationError that suggests the right one', () => {
    const error = (() => {
      try {
        normalizeOptions('summarize', { length: 100 }, schemas)
      } catch (e) {
        return e
      }
    })()
    expect(error).toBeInstanceOf(ValidationError)
    expect(error).toMatchObject({ code: 'INVALID_OPTION' })
    expect((error as Error).message).toContain('did you mean "max_length"')
  })

  it('checks types, enumerations and required options', () => {
    expect(() => normalizeOptions('summarize', { max_length: 1.5 }, schemas)).toThrow(ValidationError)
    expect(() => normalizeOptions('summarize', { style: 'haiku' }, schemas)).toThrow(/bullet, paragraph/)
    expect(() => normalizeOptions('translate', {}, schemas)).toThrow(/required/)
    expect(normalizeOptions('sentiment', { anything: 1 }, schemas)).toEqual({ anything: 1 })
  })

  it('fills defaults, so leaving an option out and spelling its default share a key', () => {
    const withSchemas = new CacheKeyGenerator({ optionSchemas: schemas })
    expect(withSchemas.generateCacheKey('t', 'summarize', {})).toBe(
      withSchemas.generateCacheKey('t', 'summarize', { style: 'paragraph' }),
    )
    expect(() => withSchemas.generateCacheKey('t', 'summarize', { length: 100 })).toThrow(ValidationError)
  })
})
