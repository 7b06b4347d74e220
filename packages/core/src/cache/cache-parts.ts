import type { Clock } from '../clock'
import type { Bus } from '../contracts/bus'
import type { Codec } from '../contracts/codec'
import type { L1Tier } from '../contracts/l1'
import type { Lock } from '../contracts/lock'
import type { GuardedStore } from '../resilience/guarded-store'
import type { CacheEvents, Tier, TypedEmitter } from './events'
import type { ResolvedOptions } from './options'
import type { PendingWrites } from './pending-writes'
import type { StatsCounters } from './stats'

/**
 * The state `TieredCache` shares with its internal parts (L2 gateway, write path, L2 reader, read-through).
 * Built once per cache; every part reads it through this one object.
 */
export interface CacheParts {
  readonly id: string
  readonly options: ResolvedOptions
  /** `${namespace}:`, prepended to every key sent to L2. */
  readonly prefix: string
  readonly l1: L1Tier | undefined
  readonly l2: GuardedStore | undefined
  readonly codec: Codec
  readonly bus: Bus | undefined
  readonly lock: Lock | undefined
  readonly now: Clock
  readonly counters: StatsCounters
  readonly events: TypedEmitter<CacheEvents>
  readonly pending: PendingWrites
  isClosed(): boolean
  /** Counts the error and emits an `error` event. */
  emitError(error: unknown, tier: Tier, operation: string, key?: string): void
}
