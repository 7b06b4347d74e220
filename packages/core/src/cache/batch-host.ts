import type { BatchHost } from './batch-read'
import type { CacheParts } from './cache-parts'
import type { L2Gateway } from './l2-gateway'
import type { L2Reader } from './l2-read'
import type { SingleFlight } from './single-flight'
import type { WritePath } from './write-path'

/** The view of a cache that the batch operations (batch-read.ts, get-or-set-many.ts) work on; built once. */
export function createBatchHost(
  parts: CacheParts,
  flights: SingleFlight<unknown>,
  gateway: L2Gateway,
  reads: L2Reader,
  writes: WritePath,
  checkKeys: (keys: readonly string[]) => void,
): BatchHost {
  const { l2 } = parts
  return {
    prefix: parts.prefix,
    l1: parts.l1,
    now: parts.now,
    counters: parts.counters,
    events: parts.events,
    flights,
    serializer: parts.codec.serializer,
    checkKeys,
    readL1Value: (entry) => reads.readL1Value(entry),
    pendingWrites: () => parts.pending.size,
    l2GetMany: async (fullKeys) => (l2 ? gateway.call('getMany', (s) => s.getMany(fullKeys)) : undefined),
    acceptL2: (fullKey, bytes, key, since) => reads.accept(fullKey, bytes, key, since),
    prepareLoaded: (key, value, options) => writes.prepare(key, value, options, true),
    store: (items) => writes.store(items),
    emitError: parts.emitError,
  }
}
