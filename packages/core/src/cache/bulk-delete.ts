import { CacheError, describeInput, InfrastructureError } from '../errors'
import type { BusLink } from './bus-link'
import type { CacheParts } from './cache-parts'
import { scanNamespace } from './key-scan'
import type { L2Gateway } from './l2-gateway'
import type { L2Reader } from './l2-read'
import { keysWithTag } from './tag-scan'
import type { WritePath } from './write-path'

/** Keys deleted per round trip by `deleteByPrefix`. */
const DELETE_BATCH = 500

/** What the scan-and-delete operations need from the cache. */
export interface BulkDelete {
  parts: CacheParts
  gateway: L2Gateway
  reads: L2Reader
  writes: WritePath
  bus: BusLink
}

/**
 * A scan of the namespace's keys starting with `prefix`, entries within grace included (fail-safe would
 * otherwise serve them once a loader fails), and its first failure once the scan has run.
 */
function scanAll(parts: CacheParts, prefix: string) {
  const scan: { keys: AsyncGenerator<string>; failure: unknown } = { keys: undefined!, failure: undefined }
  scan.keys = scanNamespace(parts, prefix, {
    includeStale: true,
    onFailure: (error) => {
      scan.failure ??= error
    },
  })
  return scan
}

/** The rejection of a scan-and-delete that could not see every L2 entry. */
function incomplete(operation: string, cause: unknown, what: string): InfrastructureError {
  return new InfrastructureError(
    `${operation} could not check every L2 entry; ${what} may remain there`,
    cause instanceof CacheError ? cause.code : 'INFRASTRUCTURE',
    { cause },
  )
}

/** `deleteByTag` for a validated tag. */
export async function deleteTagged(cache: BulkDelete, tag: string): Promise<number> {
  const { parts, gateway, reads, writes, bus } = cache
  // Logged before the scan: a read or load in flight must not store an entry carrying the tag afterwards.
  writes.log.touchTags([tag])
  const scan = scanAll(parts, '')
  const { matches, failure } = await keysWithTag(scan.keys, tag, parts, gateway, reads)
  const removed = await writes.remove(
    matches.map((k) => parts.prefix + k),
    matches,
  )
  // Other instances also drop tagged copies the scan could not find (gone from L2, or L2 failing).
  bus.publish({ kind: 'tags', origin: parts.id, namespace: parts.options.namespace, tags: [tag] })
  const cause = scan.failure ?? failure
  if (cause !== undefined) throw incomplete(`deleteByTag(${describeInput(tag)})`, cause, 'tagged entries')
  return removed
}

/**
 * `deleteByPrefix` for a validated prefix: deletes what the scan finds, 500 keys a round trip, then tells
 * other instances to drop their copies under the prefix (a `clear` message scoped to it).
 */
export async function deletePrefixed(cache: BulkDelete, prefix: string): Promise<number> {
  const { parts, writes, bus } = cache
  // A read or load in flight must not store a matching key afterwards: logged as a write to every key,
  // as other instances log the message below (the log keeps no prefixes).
  writes.log.touchAll()
  const scan = scanAll(parts, prefix)
  let removed = 0
  let batch: string[] = []
  const flush = async () => {
    const keys = batch
    batch = []
    removed += await writes.remove(
      keys.map((k) => parts.prefix + k),
      keys,
    )
  }
  for await (const key of scan.keys) {
    batch.push(key)
    if (batch.length >= DELETE_BATCH) await flush()
  }
  if (batch.length > 0) await flush()
  // Other instances also drop matching copies the scan could not find (gone from L2, or L2 failing).
  bus.publish({ kind: 'clear', origin: parts.id, prefix: parts.prefix + prefix })
  if (scan.failure !== undefined)
    throw incomplete(`deleteByPrefix(${describeInput(prefix)})`, scan.failure, 'matching entries')
  return removed
}
