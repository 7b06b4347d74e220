import { InfrastructureError } from '../errors'

/** Rejects with an `InfrastructureError` (code `TIMEOUT`) when `promise` takes longer than `ms`. */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  if (!Number.isFinite(ms)) return promise
  let timer: ReturnType<typeof setTimeout> | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new InfrastructureError(`${what} timed out after ${ms} ms`, 'TIMEOUT')),
      ms,
    )
  })
  // The losing promise may still reject later; swallow that so it never becomes an unhandled rejection.
  promise.catch(() => {})
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}
