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

/** How much of a loop's latency tail GC pauses explain (`w2:layers`). */
export interface GcTail {
  /** Share of all calls that a GC pause overlapped. */
  inGc: number
  /** Share of the calls at or above the p99 that a GC pause overlapped. */
  tailInGc: number
  /** p99 in ms of the calls no GC pause overlapped. */
  p99WithoutGc: number
}

/**
 * Splits calls (`starts[i]` to `ends[i]`, ms on `performance.now()`'s clock) by whether a GC pause
 * (`[start, end]`, in time order, as a PerformanceObserver reports them) overlapped them.
 */
export function gcTail(
  starts: Float64Array,
  ends: Float64Array,
  pauses: readonly (readonly [number, number])[],
): GcTail {
  const overlapped = (s: number, e: number) => {
    // First pause that ends after the call starts; pauses do not overlap one another, so ends are sorted.
    let lo = 0
    let hi = pauses.length
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      if (pauses[mid]![1] <= s) lo = mid + 1
      else hi = mid
    }
    return lo < pauses.length && pauses[lo]![0] < e
  }
  const all = Float64Array.from(starts, (s, i) => ends[i]! - s)
  const p99 = percentile(all, 99)
  const clear: number[] = []
  let inGc = 0
  let tail = 0
  let tailInGc = 0
  for (let i = 0; i < all.length; i++) {
    const hit = overlapped(starts[i]!, ends[i]!)
    if (hit) inGc++
    else clear.push(all[i]!)
    if (all[i]! >= p99) {
      tail++
      if (hit) tailInGc++
    }
  }
  return {
    inGc: all.length ? inGc / all.length : Number.NaN,
    tailInGc: tail ? tailInGc / tail : Number.NaN,
    p99WithoutGc: percentile(clear, 99),
  }
}
