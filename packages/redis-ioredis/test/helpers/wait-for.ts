/** Polls `check` until it returns true; throws with `what` after `timeoutMs`. */
export async function waitFor(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 5_000) {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

/**
 * A prefix unique to this test run, so suites sharing the Redis at 6379 never touch each other's keys.
 * Also used as a cache namespace, so it holds no `:`.
 */
export const uniquePrefix = (name: string) => `rr-test-${name}-${process.pid}-${Date.now().toString(36)}`
