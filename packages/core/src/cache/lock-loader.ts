import type { Lock } from '../contracts/lock'
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
  /** Runs the loader and stores its result. */
  load(): Promise<unknown>
  onError(error: unknown, operation: 'acquire' | 'release'): void
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/**
 * Cross-process single flight: the lock holder re-checks L2 and loads; the others poll L2 until the
 * value lands, and load themselves after `lockWaitMs`. A lock that cannot be reached never blocks a load.
 */
export async function loadWithLock(job: LockedLoad): Promise<unknown> {
  const started = Date.now()
  const deadline = started + job.lockWaitMs
  for (;;) {
    let release: (() => Promise<boolean>) | undefined
    try {
      release = await withTimeout(
        job.lock.acquire(job.lockKey, job.lockTtlMs),
        job.commandTimeoutMs,
        'lock acquire',
      )
    } catch (error) {
      job.onError(error, 'acquire')
      return job.load()
    }
    if (release) {
      try {
        const again = await job.readFresh()
        return again ? again.value : await job.load()
      } finally {
        await withTimeout(release(), job.commandTimeoutMs, 'lock release').catch((error) =>
          job.onError(error, 'release'),
        )
      }
    }
    // Poll at an eighth of the time waited so far (2-50 ms): a short load is noticed within a few ms
    // of the holder's write (the bench's W4 across two processes), a long one costs few polls. One
    // waiter per key per process polls, thanks to the in-process single flight.
    await sleep(Math.min(50, Math.max(2, (Date.now() - started) / 8)))
    const found = await job.readFresh()
    if (found) return found.value
    if (Date.now() >= deadline) return job.load()
  }
}
