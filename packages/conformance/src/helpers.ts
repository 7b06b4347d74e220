const encoder = new TextEncoder()

/** UTF-8 bytes of `value`. */
export function text(value: string): Uint8Array {
  return encoder.encode(value)
}

/** `length` bytes computed by `at(index)`. */
export function bytes(length: number, at: (index: number) => number): Uint8Array {
  const out = new Uint8Array(length)
  for (let i = 0; i < length; i++) out[i] = at(i)
  return out
}

/** A prefix no other test uses, so suites can share one backend. */
export function randomPrefix(): string {
  return `conf:${Date.now().toString(36)}:${Math.random().toString(36).slice(2, 10)}:`
}

/** Polls `check` until it holds, failing after `timeoutMs`. */
export async function waitFor(check: () => Promise<boolean> | boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    if (await check()) return
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`)
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
}
