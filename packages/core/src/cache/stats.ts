import type { CodecStats, StatefulCodec } from '../codec/create-codec'
import type { L1Tier } from '../contracts/l1'
import type { CircuitState } from '../resilience/circuit-breaker'

/** Hits and misses of one tier. */
export interface TierStats {
  hits: number
  misses: number
}

/** A snapshot from `cache.stats()`. */
export interface CacheStats {
  hits: number
  misses: number
  /** hits / (hits + misses); 0 before any read. */
  hitRatio: number
  /** Every public call counted once (reads, writes, deletes, clears). */
  totalOperations: number
  sets: number
  deletes: number
  errors: number
  /** Loader runs by `getOrSet`/`wrap` (after single-flight). */
  loads: number
  /** Stale values served by fail-safe (grace) because a loader or L2 failed. */
  staleServed: number
  /** L2 writes that failed and were kept in L1 only; see `pendingWrites`. */
  failedL2Writes: number
  /** Writes waiting to be replayed to L2 when it recovers. */
  pendingWrites: number
  /** Pending writes dropped because the replay buffer was full. */
  droppedWrites: number
  tiers: { l1: TierStats & { size: number; bytes: number; evictions: number }; l2: TierStats }
  memoryUsage: { totalMb: number; utilization: number }
  circuit: CircuitState | 'none'
  /** Compression of written entries; `ratio` is bytesAfter / bytesBefore (lower is better, 1 before any). */
  compression?: CodecStats & { ratio: number }
}

/** Mutable counters behind {@link CacheStats}. */
export class StatsCounters {
  l1Hits = 0
  l1Misses = 0
  l2Hits = 0
  l2Misses = 0
  operations = 0
  sets = 0
  deletes = 0
  errors = 0
  loads = 0
  staleServed = 0
  failedL2Writes = 0
  droppedWrites = 0

  get hits(): number {
    return this.l1Hits + this.l2Hits
  }

  /** A read that missed every tier counts once as a miss. */
  misses = 0
}

/** Hit ratio over reads only, never over all operations. */
export function hitRatio(hits: number, misses: number): number {
  const reads = hits + misses
  return reads === 0 ? 0 : hits / reads
}

/** What a stats snapshot reads besides the counters. */
export interface StatsSources {
  counters: StatsCounters
  l1: L1Tier | undefined
  circuit: CircuitState | 'none'
  pending: { size: number; dropped: number }
  codec: Partial<StatefulCodec>
}

/** Builds the `cache.stats()` snapshot. */
export function snapshotStats({ counters: c, l1, circuit, pending, codec }: StatsSources): CacheStats {
  const maxBytes = (l1 as { maxBytes?: number } | undefined)?.maxBytes
  const l1Bytes = l1?.bytes ?? 0
  const codecStats = codec.stats?.()
  return {
    hits: c.hits,
    misses: c.misses,
    hitRatio: hitRatio(c.hits, c.misses),
    totalOperations: c.operations,
    sets: c.sets,
    deletes: c.deletes,
    errors: c.errors,
    loads: c.loads,
    staleServed: c.staleServed,
    failedL2Writes: c.failedL2Writes,
    pendingWrites: pending.size,
    droppedWrites: pending.dropped,
    tiers: {
      l1: {
        hits: c.l1Hits,
        misses: c.l1Misses,
        size: l1?.size ?? 0,
        bytes: l1Bytes,
        evictions: l1?.evictions ?? 0,
      },
      l2: { hits: c.l2Hits, misses: c.l2Misses },
    },
    memoryUsage: { totalMb: l1Bytes / (1024 * 1024), utilization: maxBytes ? l1Bytes / maxBytes : 0 },
    circuit,
    ...(codecStats
      ? {
          compression: {
            ...codecStats,
            ratio:
              codecStats.bytesBeforeCompression === 0
                ? 1
                : codecStats.bytesAfterCompression / codecStats.bytesBeforeCompression,
          },
        }
      : {}),
  }
}
