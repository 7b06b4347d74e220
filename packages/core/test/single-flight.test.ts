import { describe, expect, it } from 'vitest'
import { SingleFlight } from '../src/cache/single-flight'

describe('SingleFlight', () => {
  it('runs the work once for concurrent callers of a key, and forgets the key once settled', async () => {
    const flights = new SingleFlight<number>()
    let runs = 0
    const work = async () => {
      runs++
      await new Promise((resolve) => setTimeout(resolve, 1))
      return 7
    }
    const all = Promise.all([flights.run('k', work), flights.run('k', work), flights.run('j', work)])
    expect(flights.size).toBe(2)
    expect(await all).toEqual([7, 7, 7])
    expect(runs).toBe(2)
    expect(flights.size).toBe(0)
    expect(flights.join('k')).toBeUndefined()
  })

  it('registers the flight before the work starts, so a synchronous throw settles and removes it', async () => {
    const flights = new SingleFlight<number>()
    let joined: Promise<number> | undefined
    const failing = flights.run('k', () => {
      joined = flights.join('k')
      throw new Error('sync')
    })
    await expect(failing).rejects.toThrow('sync')
    await expect(joined).rejects.toThrow('sync')
    expect(flights.size).toBe(0)
    expect(await flights.run('k', async () => 2)).toBe(2)
  })

  it('keeps keys that name Object.prototype members apart from the prototype', async () => {
    const flights = new SingleFlight<string>()
    const keys = ['__proto__', 'constructor', 'toString', 'hasOwnProperty']
    expect(keys.map((key) => flights.join(key))).toEqual([undefined, undefined, undefined, undefined])
    const values = await Promise.all(keys.map((key) => flights.run(key, async () => key)))
    expect(values).toEqual(keys)
    expect(flights.size).toBe(0)
  })

  it('shares a claimed flight with run() and join(), and releases it when settled', async () => {
    const flights = new SingleFlight<number>()
    const claim = flights.claim('k')
    const viaRun = flights.run('k', async () => 1)
    expect(flights.size).toBe(1)
    claim.resolve(5)
    expect(await viaRun).toBe(5)
    expect(flights.size).toBe(0)
  })
})
