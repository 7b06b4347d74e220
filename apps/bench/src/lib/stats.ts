/** Median of a list of numbers (NaN when empty). */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

/** The p-th percentile (0-100) of recorded samples, nearest-rank. */
export function percentile(samples: Float64Array | readonly number[], p: number): number {
  if (samples.length === 0) return Number.NaN
  const sorted = Float64Array.from(samples).sort()
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))
  return sorted[rank]!
}

/** Growable buffer of latency samples in milliseconds. */
export class Latencies {
  #data = new Float64Array(1 << 16)
  #length = 0

  push(ms: number): void {
    if (this.#length === this.#data.length) {
      const next = new Float64Array(this.#data.length * 2)
      next.set(this.#data)
      this.#data = next
    }
    this.#data[this.#length++] = ms
  }

  get length(): number {
    return this.#length
  }

  /** The recorded samples. */
  values(): Float64Array {
    return this.#data.subarray(0, this.#length)
  }

  /** The p-th percentile (0-100) in ms. */
  percentile(p: number): number {
    return percentile(this.values(), p)
  }

  /** The largest sample in ms. */
  max(): number {
    let max = 0
    for (const v of this.values()) if (v > max) max = v
    return max
  }
}
