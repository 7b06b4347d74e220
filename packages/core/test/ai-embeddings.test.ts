import { describe, expect, it } from 'vitest'
import { createCodec, decodeVector, encodeVector, utf8Encode, ValidationError } from '../src/index'
import { aiSetup } from './helpers/ai'

/** A deterministic fake embedding: the text's char codes folded into `dims` components. */
const fakeEmbed = (text: string, dims = 8) =>
  Array.from({ length: dims }, (_, i) => ((text.charCodeAt(i % Math.max(1, text.length)) || 0) + i) / 1000)

describe('getOrEmbedMany', () => {
  it('returns vectors in input order, embedding only the missing texts once, with one getMany lookup', async () => {
    const { ai, calls } = await aiSetup()
    const batches: string[][] = []
    const embed = (texts: string[]) => {
      batches.push(texts)
      return texts.map((t) => fakeEmbed(t))
    }
    await ai.getOrEmbedMany(['alpha', 'beta'], { model: 'text-embedding-3-small' }, embed)
    calls.getMany = 0
    const vectors = await ai.getOrEmbedMany(
      ['gamma', 'alpha', 'delta', 'gamma', 'beta'],
      { model: 'text-embedding-3-small' },
      embed,
    )
    expect(batches).toEqual([
      ['alpha', 'beta'],
      ['gamma', 'delta'],
    ])
    expect(calls.getMany).toBe(1)
    expect(vectors.map((v) => v instanceof Float32Array)).toEqual([true, true, true, true, true])
    expect(vectors.map((v) => Array.from(v))).toEqual(
      ['gamma', 'alpha', 'delta', 'gamma', 'beta'].map((t) => Array.from(Float32Array.from(fakeEmbed(t)))),
    )
    expect(ai.stats().operations.embed).toMatchObject({ hits: 2, misses: 4, coalesced: 1 })
  })

  it('does not call embedMissing when every text is cached; other models and options miss', async () => {
    const { ai } = await aiSetup()
    let calls = 0
    const embed = (texts: string[]) => {
      calls++
      return texts.map((t) => fakeEmbed(t))
    }
    await ai.getOrEmbedMany(['a', 'b'], { model: 'm1' }, embed)
    await ai.getOrEmbedMany(['b', 'a'], { model: 'm1' }, embed)
    expect(calls).toBe(1)
    await ai.getOrEmbedMany(['a'], { model: 'm2' }, embed)
    await ai.getOrEmbedMany(['a'], { model: 'm1', dimensions: 4 }, embed)
    expect(calls).toBe(3)
  })

  it('gives each caller its own vector copies', async () => {
    const { ai } = await aiSetup()
    const [first] = await ai.getOrEmbedMany(['a'], { model: 'm' }, (t) => t.map((x) => fakeEmbed(x)))
    first![0] = 42
    const [again] = await ai.getOrEmbedMany(['a'], { model: 'm' }, () => [])
    expect(again![0]).not.toBe(42)
  })

  it('rejects a wrong number of vectors, non-finite components and a missing model', async () => {
    const { ai } = await aiSetup()
    await expect(ai.getOrEmbedMany(['a', 'b'], { model: 'm' }, () => [[1]])).rejects.toThrow(ValidationError)
    await expect(ai.getOrEmbedMany(['a'], { model: 'm' }, () => [[Number.NaN]])).rejects.toThrow(
      ValidationError,
    )
    await expect(ai.getOrEmbedMany(['a'], {} as never, () => [[1]])).rejects.toThrow(/model/)
    expect(await ai.getActiveKeys()).toEqual([])
  })

  it('stores a 1,536-dim vector as float32 bytes: about a third of a JSON number array, envelope included', async () => {
    const vector = Array.from({ length: 1536 }, (_, i) => Math.fround(Math.sin(i + 1) * 0.05))
    const codec = createCodec()
    const meta = { createdAt: 0, expiresAt: 1, staleUntil: 1, tags: [] }
    const compact = await codec.seal(utf8Encode(JSON.stringify(encodeVector(vector))), meta)
    const json = await codec.seal(utf8Encode(JSON.stringify(vector)), meta)
    expect(compact.length).toBeLessThan(8_400)
    expect(json.length).toBeGreaterThan(3 * compact.length)
    expect(Array.from(decodeVector(encodeVector(vector))!)).toEqual(vector)
  })
})
