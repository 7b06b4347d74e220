import type { CodecStats } from '../codec/create-codec'
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
