import { describe, expect, it } from 'vitest'
import { FrequencySketch, hashKey } from '../src/frequency-sketch'

const hashes = (count: number, prefix = 'k') =>
  Array.from({ length: count }, (_, i) => hashKey(`${prefix}:${i}`))

describe('FrequencySketch', () => {
  it('estimates how often a hash was counted, up to 15', () => {
    const sketch = new FrequencySketch(1_000)
    const [once, five, many] = hashes(3)
    sketch.increment(once!)
    for (let i = 0; i < 5; i++) sketch.increment(five!)
    for (let i = 0; i < 40; i++) sketch.increment(many!)
    expect(sketch.frequency(once!)).toBe(1)
    expect(sketch.frequency(five!)).toBe(5)
    expect(sketch.frequency(many!)).toBe(15)
  })

  it('rarely over-estimates unseen keys when sized for the keys it counts', () => {
    const sketch = new FrequencySketch(1_000)
    for (const hash of hashes(1_000)) sketch.increment(hash)
    const unseen = hashes(1_000, 'unseen').filter((hash) => sketch.frequency(hash) > 0)
    // Count-min never under-estimates; with 16 counters per key, collisions in all four rows are rare.
    expect(unseen.length).toBeLessThan(50)
    for (const hash of hashes(1_000)) expect(sketch.frequency(hash)).toBeGreaterThanOrEqual(1)
  })

  it('halves every counter once it has counted its sample size', () => {
    const sketch = new FrequencySketch(16)
    const [hot, warm] = hashes(2, 'aged')
    for (let i = 0; i < 15; i++) sketch.increment(hot!)
    for (let i = 0; i < 6; i++) sketch.increment(warm!)
    expect(sketch.frequency(hot!)).toBe(15)
    // Other keys fill the sample until additions drop (the halving); `hot` and `warm` are not touched.
    let filler = 0
    let previous = -1
    while (sketch.additions > previous) {
      previous = sketch.additions
      sketch.increment(hashKey(`filler:${filler++}`))
    }
    expect(previous).toBe(sketch.sampleSize - 1)
    expect(sketch.additions).toBeLessThanOrEqual(sketch.sampleSize / 2)
    // Filler collisions can add at most a little to a tiny sketch; halving must have removed the rest.
    expect(sketch.frequency(hot!)).toBeLessThanOrEqual(8)
    expect(sketch.frequency(hot!)).toBeGreaterThanOrEqual(7)
    expect(sketch.frequency(warm!)).toBeGreaterThanOrEqual(3)
    expect(sketch.frequency(warm!)).toBeLessThan(sketch.frequency(hot!))
  })

  it('hashes keys deterministically to unsigned 32-bit integers', () => {
    expect(hashKey('user:1')).toBe(hashKey('user:1'))
    expect(hashKey('user:1')).not.toBe(hashKey('user:2'))
    expect(hashKey('')).toBeGreaterThanOrEqual(0)
    expect(Number.isInteger(hashKey('🙂 é'))).toBe(true)
  })
})
