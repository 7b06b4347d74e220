import { describe, expect, it } from 'vitest'
import type { RedisClient } from '../src/connection'
import { WriteCoalescer } from '../src/write-coalescer'

/** A client whose stream records cork/uncork, and a clock the test moves. */
function setup(beforeUncork?: () => void) {
  const calls: string[] = []
  const stream = {
    writable: true,
    cork: () => calls.push('cork'),
    uncork: () => calls.push('uncork'),
  }
  let time = 1_000
  const clock = { advance: (ms: number) => (time += ms) }
  const coalescer = new WriteCoalescer(
    { isCluster: false, stream } as unknown as RedisClient,
    () => time,
    beforeUncork,
  )
  return { calls, clock, coalescer }
}

const nextTick = () => new Promise<void>((resolve) => process.nextTick(resolve))

describe('WriteCoalescer', () => {
  it('sends the first command after an idle spell at once and holds the rest of its tick', async () => {
    const { calls, coalescer } = setup()
    coalescer.hold()
    expect(calls).toEqual([])
    coalescer.hold()
    coalescer.hold()
    expect(calls).toEqual(['cork'])
    await nextTick()
    expect(calls).toEqual(['cork', 'uncork'])
  })

  it('holds every command of ticks that follow each other closely', async () => {
    const { calls, clock, coalescer } = setup()
    coalescer.hold()
    clock.advance(0.2)
    await nextTick()
    calls.length = 0
    for (let tick = 0; tick < 5; tick++) {
      coalescer.hold()
      coalescer.hold()
      await nextTick()
      clock.advance(0.2)
    }
    expect(calls).toEqual(Array.from({ length: 5 }, () => ['cork', 'uncork']).flat())
  })

  it('sends at once again once the connection has been idle for a millisecond', async () => {
    const { calls, clock, coalescer } = setup()
    coalescer.hold()
    clock.advance(0.5)
    coalescer.hold()
    await nextTick()
    expect(calls).toEqual(['cork', 'uncork'])
    clock.advance(1)
    coalescer.hold()
    await nextTick()
    expect(calls).toEqual(['cork', 'uncork'])
  })

  it('flushes every 32 held commands', async () => {
    const { calls, clock, coalescer } = setup()
    coalescer.hold()
    await nextTick()
    clock.advance(0.1)
    calls.length = 0
    for (let i = 0; i < 70; i++) coalescer.hold()
    expect(calls).toEqual(['cork', 'uncork', 'cork', 'uncork', 'cork'])
    await nextTick()
    expect(calls.at(-1)).toBe('uncork')
  })

  it('says when it is holding, runs its hook at the end of a held tick, and flushes on demand', async () => {
    const events: string[] = []
    const { calls, clock, coalescer } = setup(() => events.push(`hook at ${calls.length} calls`))
    coalescer.hold()
    // The first command after an idle spell is not held, and its tick ends without the hook.
    expect(coalescer.holding).toBe(false)
    await nextTick()
    expect(events).toEqual([])
    clock.advance(0.1)
    coalescer.hold()
    expect(coalescer.holding).toBe(true)
    coalescer.flush()
    expect(calls).toEqual(['cork', 'uncork', 'cork'])
    expect(coalescer.holding).toBe(true)
    await nextTick()
    // The hook runs while the socket is still corked, then the socket is uncorked.
    expect(events).toEqual(['hook at 3 calls'])
    expect(calls).toEqual(['cork', 'uncork', 'cork', 'uncork'])
    expect(coalescer.holding).toBe(false)
    coalescer.flush()
    expect(calls).toHaveLength(4)
  })

  it('leaves Cluster clients alone', async () => {
    const calls: string[] = []
    const stream = { writable: true, cork: () => calls.push('cork'), uncork: () => calls.push('uncork') }
    const coalescer = new WriteCoalescer({ isCluster: true, stream } as unknown as RedisClient, () => 0)
    for (let i = 0; i < 3; i++) coalescer.hold()
    await nextTick()
    expect(calls).toEqual([])
  })
})
