import type { L1Tier } from '../contracts/l1'
import type { GuardedStore } from '../resilience/guarded-store'
import { withTimeout } from '../resilience/with-timeout'
import type { CacheParts } from './cache-parts'

/** What a key scan needs from the cache. */
export interface KeyScan {
  l1: L1Tier | undefined
  l2: GuardedStore | undefined
  /** The namespace prefix (`namespace:`), stripped from every yielded key. */
  namespacePrefix: string
  stepTimeoutMs: number
  now: () => number
  onError(error: unknown): void
}

/**
 * Streams namespaced keys starting with `prefix`: a cursor scan of L2, then L1 keys not seen there,
 * each once. L2 is skipped while its circuit is open; a failing or stalled scan step is reported,
 * not thrown, and never hangs the caller.
 */
export async function* scanKeys(scan: KeyScan, prefix: string): AsyncGenerator<string> {
  const { l1, l2, namespacePrefix } = scan
  const fullPrefix = namespacePrefix + prefix
  const seen = new Set<string>()
  if (l2?.breaker.allow()) {
    const iterator = l2.store.keys(fullPrefix)[Symbol.asyncIterator]()
    let done = false
    try {
      while (!done) {
        const step = await withTimeout(iterator.next(), scan.stepTimeoutMs, 'keys scan')
        done = step.done === true
        if (done) break
        const key = step.value.slice(namespacePrefix.length)
        if (l1) seen.add(key)
        yield key
      }
    } catch (error) {
      scan.onError(error)
    } finally {
      // Not awaited: after a timed-out step the scan may never settle, and the caller must not hang.
      if (!done) iterator.return?.()?.catch(() => {})
    }
  }
  if (!l1) return
  const now = scan.now()
  // L1 belongs to this cache alone and holds keys without the namespace.
  for (const key of [...l1.keys()]) {
    if (key.startsWith(prefix) && !seen.has(key) && (l1.get(key)?.expiresAt ?? 0) > now) yield key
  }
}

/** `scanKeys` over a cache's own tiers and namespace; a failing scan step is reported as an `error` event. */
export function scanNamespace(parts: CacheParts, prefix: string): AsyncGenerator<string> {
  return scanKeys(
    {
      l1: parts.l1,
      l2: parts.l2,
      namespacePrefix: parts.prefix,
      stepTimeoutMs: parts.options.commandTimeoutMs,
      now: parts.now,
      onError: (error) => parts.emitError(error, 'l2', 'keys'),
    },
    prefix,
  )
}
