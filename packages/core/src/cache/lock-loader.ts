import type { Lock, Release } from '../contracts/lock'
import { withTimeout } from '../resilience/with-timeout'

/** What a cross-process load needs from the cache. */
export interface LockedLoad {
  lock: Lock
  lockKey: string
  lockTtlMs: number
  lockWaitMs: number
  commandTimeoutMs: number
  /** The fresh value from L2, or `undefined`. */
  readFresh(): Promise<{ value: unknown } | undefined>
  /** Runs the loader and stores its result; calls `stored` (if given) as soon as L2 holds the value. */
  load(stored?: () => void): Promise<unknown>
  onError(error: unknown, operation: 'acquire' | 'release' | 'wait'): void
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))
const noop = () => {}
/** Slack over a wait's own bound before the cache stops trusting the lock to keep it. */
const WAIT_SLACK_MS = 50
/** How many poll intervals a waiter waits for a release notice before it polls anyway. */
const NOTICE_WAIT_POLLS = 4

/**
 * Cross-process single flight: the lock holder re-checks L2 and loads; the others wait for the release
 * (when the lock can tell) or the next poll, then read L2, and load themselves after `lockWaitMs`.
 * A lock that cannot be reached never blocks a load.
 */
export async function loadWithLock(job: LockedLoad): Promise<unknown> {
  const started = Date.now()
  const deadline = started + job.lockWaitMs
  for (;;) {
    let release: Release | undefined
    let acquiring: Promise<Release | undefined> | undefined
    try {
      acquiring = job.lock.acquire(job.lockKey, job.lockTtlMs)
      release = await withTimeout(acquiring, job.commandTimeoutMs, 'lock acquire')
    } catch (error) {
      job.onError(error, 'acquire')
      // Timed out but may still succeed: a lock nobody releases would block every process for lockTtl.
      if (acquiring !== undefined) {
        Promise.resolve(acquiring).then((late) => {
          if (late) callRelease(late).catch((lateError: unknown) => job.onError(lateError, 'release'))
        }, noop)
      }
      return job.load()
    }
    if (release) return holdAndLoad(job, release)
    // Poll at an eighth of the time waited so far (2-50 ms): a short load is noticed within a few ms
    // of the holder's write, a long one costs few polls. With release notices the poll only covers a
    // lost notice and comes less often (see pause). One waiter per key per process polls, thanks to
    // the in-process single flight.
    await pause(job, Math.min(50, Math.max(2, (Date.now() - started) / 8)), deadline)
    const found = await job.readFresh()
    if (found) return found.value
    if (Date.now() >= deadline) return job.load()
  }
}

async function holdAndLoad(job: LockedLoad, release: Release): Promise<unknown> {
  let released: Promise<void> | undefined
  // Released once L2 holds the value, not after the L1 backfill: waiters woken by the release find the
  // value, and the backfill overlaps the round trip.
  const releaseOnce = () => {
    released ??= withTimeout(callRelease(release), job.commandTimeoutMs, 'lock release').then(noop, (error) =>
      job.onError(error, 'release'),
    )
    return released
  }
  try {
    const again = await job.readFresh()
    return again ? again.value : await job.load(releaseOnce)
  } finally {
    // Not awaited: the holder's callers get the value without waiting one more round trip for the
    // release, which reports its own failure through onError.
    void releaseOnce()
  }
}

/** A release that throws instead of rejecting must not fail the store it is called from. */
function callRelease(release: Release): Promise<boolean> {
  try {
    return release()
  } catch (error) {
    return Promise.reject(error)
  }
}

/**
 * Sleeps until the next poll, or less when the lock reports that the holder released the key. With
 * notices, polling only covers a lost one, so the wait for the notice runs up to
 * {@link NOTICE_WAIT_POLLS} poll intervals; a lock that cannot notify right now says so at once, and
 * the cache then sleeps one interval as without the capability.
 */
async function pause(job: LockedLoad, pollMs: number, deadline: number): Promise<void> {
  const { lock } = job
  if (typeof lock.waitForRelease !== 'function') return sleep(pollMs)
  const begun = Date.now()
  const waitMs = Math.max(pollMs, Math.min(pollMs * NOTICE_WAIT_POLLS, deadline - begun))
  let woken = false
  try {
    woken = await withTimeout(lock.waitForRelease(job.lockKey, waitMs), waitMs + WAIT_SLACK_MS, 'lock wait')
  } catch (error) {
    job.onError(error, 'wait')
  }
  if (woken === true) return
  // A lock that gives up early must not turn the poll into a busy loop.
  const left = pollMs - (Date.now() - begun)
  if (left >= 1) await sleep(left)
}
