import { InfrastructureError } from '../errors'

/** Rejects with an `InfrastructureError` (code `TIMEOUT`) when `promise` takes longer than `ms`. */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  if (!Number.isFinite(ms)) return promise
  // One promise and one timer per call (no Promise.race, no finally): this wraps every L2 command.
  // The handlers below also consume a late rejection of the losing promise, so it is never unhandled.
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new InfrastructureError(`${what} timed out after ${ms} ms`, 'TIMEOUT')),
      ms,
    )
    promise.then(
      (value) => {
        clearTimeout(timer)
        resolve(value)
      },
      (error: unknown) => {
        clearTimeout(timer)
        reject(error)
      },
    )
  })
}
