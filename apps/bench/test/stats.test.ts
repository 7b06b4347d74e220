import { describe, expect, it } from 'vitest'
import { gcTail, Latencies, median, percentile } from '../src/lib/stats'

describe('stats', () => {
  it('takes medians and nearest-rank percentiles', () => {
    expect(median([3, 1, 2])).toBe(2)
    expect(median([4, 1, 3, 2])).toBe(2.5)
    expect(median([])).toBeNaN()
    const samples = Array.from({ length: 100 }, (_, i) => i + 1)
    expect(percentile(samples, 99)).toBe(99)
    expect(percentile(samples, 50)).toBe(50)
    const latencies = new Latencies()
    for (let i = 0; i < 70_000; i++) latencies.push(i % 100)
    expect(latencies.length).toBe(70_000)
    expect(latencies.max()).toBe(99)
  })

  describe('gcTail', () => {
    // 200 calls of 1 ms back to back from t = 0, except calls 50, 100 and 150, which a 10 ms pause stretched
    // (so they are the slowest 1 %).
    const starts = new Float64Array(200)
    const ends = new Float64Array(200)
    let t = 0
    for (let i = 0; i < 200; i++) {
      starts[i] = t
      t += i % 50 === 0 && i > 0 ? 11 : 1
      ends[i] = t
    }
    const pauses = [50, 100, 150].map((i) => [starts[i]! + 0.5, starts[i]! + 10.5] as const)

    it('finds the calls a pause overlapped and the p99 of the others', () => {
      const tail = gcTail(starts, ends, pauses)
      expect(tail.inGc).toBe(3 / 200)
      expect(tail.tailInGc).toBe(1)
      expect(tail.p99WithoutGc).toBe(1)
    })

    it('counts a call that ends as a pause starts, or starts as one ends, as clear of it', () => {
      const one = Float64Array.of(5)
      const touching = [
        [4, 5],
        [6, 7],
      ] as const
      expect(gcTail(one, Float64Array.of(6), touching).inGc).toBe(0)
      expect(gcTail(one, Float64Array.of(6.5), touching).inGc).toBe(1)
      // Without pauses the slowest calls are all clear of GC.
      expect(gcTail(starts, ends, [])).toEqual({ inGc: 0, tailInGc: 0, p99WithoutGc: 11 })
    })
  })
})
