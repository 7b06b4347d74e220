/** Returns the current time in epoch milliseconds; injectable so TTL tests need no sleeping. */
export type Clock = () => number

export const systemClock: Clock = () => Date.now()

// The Date the module was loaded with: a different one means fake timers were installed since.
const loadedDate = Date
/** Hot reads served from one clock reading before the clock is read again. */
const READS_PER_READING = 32
let reading = 0
let readsLeft = 0
let timerPending = false

function expireReading(): void {
  readsLeft = 0
  timerPending = false
}

/**
 * `Date.now()` read at most once a millisecond, for the L1 hit check only: a clock read costs about as
 * much as the rest of a hot hit. The reading is dropped by a 1 ms timer and after
 * {@link READS_PER_READING} uses, so a loop that never yields to timers still sees time move; with
 * fake timers installed (a replaced `Date`) every call reads the clock. lru-cache's `ttlResolution`
 * makes the same trade.
 */
export const coarseSystemClock: Clock = () => {
  if (readsLeft > 0 && Date === loadedDate) {
    readsLeft--
    return reading
  }
  reading = Date.now()
  readsLeft = READS_PER_READING
  if (!timerPending) {
    timerPending = true
    const timer = setTimeout(expireReading, 1)
    // Never keep a process alive for it (Node, Bun); edge runtimes return a number here.
    ;(timer as { unref?: () => void }).unref?.()
  }
  return reading
}
