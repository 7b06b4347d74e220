/** A deterministic stand-in for an LLM: the same prompt always gives the same words. */
export function fakeAnswer(prompt: string, maxWords = 12): string[] {
  const words = prompt
    .replace(/[^\p{L}\p{N}\s]/gu, ' ')
    .split(/\s+/)
    .filter(Boolean)
  const picked = words.filter((_, i) => i % 2 === 0).slice(0, maxWords)
  return ['Summary:', ...(picked.length > 0 ? picked : ['(empty)'])].map((w, i) => (i === 0 ? w : ` ${w}`))
}

/** Rough token count of a text (about four characters a token), for realistic usage figures. */
export function countTokens(text: string): number {
  return Math.max(1, Math.ceil(text.length / 4))
}

/** A deterministic unit-length embedding of `dims` components. */
export function fakeEmbedding(text: string, dims: number): Float32Array {
  const vector = new Float32Array(dims)
  let seed = 2166136261
  for (const char of text) seed = Math.imul(seed ^ char.codePointAt(0)!, 16777619) >>> 0
  let norm = 0
  for (let i = 0; i < dims; i++) {
    seed = Math.imul(seed ^ (seed >>> 15), 2246822507) >>> 0
    vector[i] = seed / 0xffffffff - 0.5
    norm += vector[i]! * vector[i]!
  }
  const scale = 1 / Math.sqrt(norm)
  for (let i = 0; i < dims; i++) vector[i] = vector[i]! * scale
  return vector
}
