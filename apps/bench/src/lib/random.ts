/** Seeded PRNG (mulberry32), so every target sees the same key sequence. */
export function createRandom(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** `count` ranks in [0, n) drawn from a Zipf(s) distribution (rank 0 is the most popular). */
export function zipfSamples(n: number, s: number, count: number, seed: number): Uint32Array {
  const cdf = new Float64Array(n)
  let sum = 0
  for (let i = 0; i < n; i++) {
    sum += 1 / (i + 1) ** s
    cdf[i] = sum
  }
  for (let i = 0; i < n; i++) cdf[i]! /= sum
  const random = createRandom(seed)
  const out = new Uint32Array(count)
  for (let j = 0; j < count; j++) {
    const u = random()
    let lo = 0
    let hi = n - 1
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      if (cdf[mid]! < u) lo = mid + 1
      else hi = mid
    }
    out[j] = lo
  }
  return out
}

/** Hit ratio of a cache that statically holds the `size` most popular of `n` Zipf(s) keys. */
export function zipfStaticBound(n: number, s: number, size: number): number {
  let top = 0
  let all = 0
  for (let i = 0; i < n; i++) {
    const w = 1 / (i + 1) ** s
    all += w
    if (i < size) top += w
  }
  return top / all
}

/** `count` uniform indices in [0, n). */
export function uniformSamples(n: number, count: number, seed: number): Uint32Array {
  const random = createRandom(seed)
  const out = new Uint32Array(count)
  for (let j = 0; j < count; j++) out[j] = Math.floor(random() * n)
  return out
}
