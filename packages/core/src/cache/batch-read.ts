import type { Clock } from '../clock'
import type { EntryMeta, Serializer } from '../contracts/codec'
import type { L1Entry, L1Tier } from '../contracts/l1'
import type { PreparedWrite } from './entry'
import type { CacheEvents, Tier, TypedEmitter } from './events'
import type { SetOptions } from './options'
import type { SingleFlight } from './single-flight'
import type { StatsCounters } from './stats'
import { writeEpoch } from './write-log'

/** A decoded L2 entry. */
export interface FoundEntry {
  value: unknown
  meta: EntryMeta
  /** The serialized value, when kept: a caller sharing the entry decodes it for its own copy. */
  payload?: Uint8Array
}

/** What the batch operations need from `TieredCache`: its tiers, counters and a few of its internals. */
export interface BatchHost {
  readonly prefix: string
  readonly l1: L1Tier | undefined
  readonly now: Clock
  readonly counters: StatsCounters
  readonly events: TypedEmitter<CacheEvents>
  readonly flights: SingleFlight<unknown>
  readonly serializer: Serializer
  /** Throws when the cache is closed, the list is not an array or a key is invalid. */
  checkKeys(keys: readonly string[]): void
  readL1Value(entry: L1Entry): unknown
  /** How many writes made while L2 failed are not in L2 yet. */
  pendingWrites(): number
  /** One L2 `getMany`; `undefined` without L2 or when the call failed (already reported). */
  l2GetMany(fullKeys: string[]): Promise<(Uint8Array | undefined)[] | undefined>
  /**
   * Decodes, counts and backfills L1 unless the key was written after write epoch `since` (when the read
   * was sent); `undefined` for a corrupt entry. A promise only when decoding is async. `bytes` may be
   * absent when {@link BatchHost.pendingWrites} is not 0: a write still pending for the key stands in.
   */
  acceptL2(
    fullKey: string,
    bytes: Uint8Array | undefined,
    key: string,
    since?: number,
  ): FoundEntry | undefined | Promise<FoundEntry | undefined>
  /** Validates and serializes a loaded value, with the decoded copy its callers get (`PreparedWrite.decoded`). */
  prepareLoaded(key: string, value: unknown, options: SetOptions): PreparedWrite
  /**
   * Writes L2 (one round trip for many) then L1; an L2 failure is reported, never thrown. Resolves to the
   * L1 entry built for each item.
   */
  store(items: PreparedWrite[]): Promise<(L1Entry | undefined)[]>
  emitError(error: unknown, tier: Tier, operation: string, key?: string): void
}

/** A fresh L1 value for `key` (counted as an L1 hit), or `undefined` (counted as an L1 miss). */
export function readL1(host: BatchHost, key: string, now: number): { value: unknown } | undefined {
  const { l1, counters, events } = host
  if (!l1) return undefined
  const entry = l1.get(key)
  if (entry !== undefined && entry.expiresAt > now) {
    counters.l1Hits++
    if (events.has('hit')) events.emit('hit', { key, tier: 'l1' })
    return { value: host.readL1Value(entry) }
  }
  counters.l1Misses++
  if (events.has('miss')) events.emit('miss', { key, tier: 'l1' })
  return undefined
}

/**
 * Reads `keys` from L2 in one `getMany` and decodes them; an entry per key (expired ones included, for
 * fail-safe), or `undefined` when absent, corrupt, or L2 is missing or down.
 */
export async function readL2Batch(
  host: BatchHost,
  keys: readonly string[],
): Promise<(FoundEntry | undefined)[]> {
  const fullKeys = keys.map((key) => host.prefix + key)
  const since = writeEpoch()
  const values = await host.l2GetMany(fullKeys)
  // Writes pending since an outage are read in place of L2's older entries, even while L2 fails.
  const pending = host.pendingWrites() > 0
  if (values === undefined && !pending) return new Array(keys.length).fill(undefined)
  const found: (FoundEntry | undefined)[] = new Array(keys.length).fill(undefined)
  // Most entries decode synchronously; only async ones (decryption) leave a promise, awaited together.
  // Positions are kept aside rather than in a `.then` callback per entry (a closure and a promise fewer).
  let decoding: Promise<FoundEntry | undefined>[] | undefined
  let positions: number[] | undefined
  for (let j = 0; j < keys.length; j++) {
    const bytes = values?.[j]
    if (!bytes && !pending) {
      countL2Miss(host, keys[j]!)
      continue
    }
    const entry = host.acceptL2(fullKeys[j]!, bytes, keys[j]!, since)
    if (entry instanceof Promise) {
      ;(decoding ??= []).push(entry)
      ;(positions ??= []).push(j)
    } else found[j] = entry
  }
  if (decoding && positions) {
    const decoded = await Promise.all(decoding)
    for (let d = 0; d < decoded.length; d++) found[positions[d]!] = decoded[d]
  }
  return found
}

/** The accounting `acceptL2` does for an absent entry, without its async round. */
function countL2Miss(host: BatchHost, key: string): void {
  host.counters.l2Misses++
  if (host.events.has('miss')) host.events.emit('miss', { key, tier: 'l2' })
}

/** `getMany`: L1 first, then one L2 round trip for the L1 misses; values in the order of `keys`. */
export async function getMany<T>(host: BatchHost, keys: readonly string[]): Promise<(T | undefined)[]> {
  host.checkKeys(keys)
  host.counters.operations++
  const now = host.now()
  const results: (T | undefined)[] = new Array(keys.length).fill(undefined)
  const missing: number[] = []
  for (let i = 0; i < keys.length; i++) {
    const hit = readL1(host, keys[i]!, now)
    if (hit) results[i] = hit.value as T
    else missing.push(i)
  }
  if (missing.length === 0) return results
  const found = await readL2Batch(
    host,
    missing.map((i) => keys[i]!),
  )
  const fresh = host.now()
  missing.forEach((index, j) => {
    const entry = found[j]
    if (entry && entry.meta.expiresAt > fresh) results[index] = entry.value as T
    else host.counters.misses++
  })
  return results
}
