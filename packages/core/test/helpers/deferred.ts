/** A promise the test settles by hand, to make calls finish in any order. */
export function deferred<T = void>() {
  let resolve!: (value: T) => void
  let reject!: (error: unknown) => void
  const promise = new Promise<T>((res, rej) => {
    resolve = res
    reject = rej
  })
  return { promise, resolve, reject }
}

/** Waits until pending promise callbacks have run. */
export const flush = () => new Promise<void>((resolve) => setTimeout(resolve, 0))

/** Lets a chain of promise callbacks run without leaving the current macrotask. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 30; i++) await Promise.resolve()
}

/** Waits `ms` on a real timer. */
export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/** Polls every 10 ms until `done()` holds or about `timeoutMs` has passed (background work, real timers). */
export async function until(done: () => boolean, timeoutMs = 1_000): Promise<void> {
  for (let i = 0; i < timeoutMs / 10 && !done(); i++) await sleep(10)
}
