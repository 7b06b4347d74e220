import type { L1Tier } from '../contracts/l1'
import type { GuardedStore } from '../resilience/guarded-store'
import type { CacheParts } from './cache-parts'

/** What a key scan needs from the cache. */
export interface KeyScan {
  l1: L1Tier | undefined
  l2: GuardedStore | undefined
  /** The namespace prefix (`namespace:`), stripped from every yielded key. */
  namespacePrefix: string
  now: () => number
  /** Also yield L1 keys past expiry but within grace, which fail-safe could still serve. */
  includeStale?: boolean
  onError(error: unknown): void
}

/**
 * Streams namespaced keys starting with `prefix`: a cursor scan of L2, then L1 keys not seen there,
 * each once. Each scan step goes through the L2 guard (timeout and breaker): a step that fails, stalls
 * or is skipped by an open circuit ends the L2 part and is reported, not thrown.
 */
export async function* scanKeys(scan: KeyScan, prefix: string): AsyncGenerator<string> {
  const { l1, l2, namespacePrefix } = scan
  const fullPrefix = namespacePrefix + prefix
  const seen = new Set<string>()
  if (l2) {
    // Opened by the first step, so an open circuit never starts a scan. Going through the guard, a
    // step that takes the half-open probe slot also reports how it went and so frees it.
    let iterator: AsyncIterator<string> | undefined
    const next = () => {
      iterator ??= l2.store.keys(fullPrefix)[Symbol.asyncIterator]()
      return iterator.next()
    }
    let done = false
    try {
      while (!done) {
        const step = await l2.call('keys', next)
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
      if (!done) iterator?.return?.()?.catch(() => {})
    }
  }
  if (!l1) return
  const now = scan.now()
  // L1 belongs to this cache alone and holds keys without the namespace.
  for (const key of [...l1.keys()]) {
    if (!key.startsWith(prefix) || seen.has(key)) continue
    const entry = l1.get(key)
    if (entry && (scan.includeStale ? entry.staleUntil : entry.expiresAt) > now) yield key
  }
}

/**
 * `scanKeys` over a cache's own tiers and namespace; a failing scan step is reported as an `error` event,
 * and to `onFailure` when given (a caller that must know whether the scan was complete).
 */
export function scanNamespace(
  parts: CacheParts,
  prefix: string,
  options: { includeStale?: boolean; onFailure?: (error: unknown) => void } = {},
): AsyncGenerator<string> {
  return scanKeys(
    {
      l1: parts.l1,
      l2: parts.l2,
      namespacePrefix: parts.prefix,
      now: parts.now,
      includeStale: options.includeStale,
      onError: (error) => {
        parts.emitError(error, 'l2', 'keys')
        options.onFailure?.(error)
      },
    },
    prefix,
  )
}
