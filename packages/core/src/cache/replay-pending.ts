import type { Codec } from '../contracts/codec'
import type { Store, StoreEntry } from '../contracts/store'
import type { PendingWrite, PendingWrites } from './pending-writes'

/** Pending writes checked against L2 per round trip. */
const REPLAY_CHUNK = 100

/** What a replay needs from the cache. */
export interface ReplayContext {
  pending: PendingWrites
  codec: Codec
  now: () => number
  /** Runs an L2 call through timeout and breaker; `undefined` when it failed. */
  call<T>(operation: string, run: (store: Store) => Promise<T>): Promise<T | undefined>
}

/**
 * A `clear()` that could not reach L2, kept among the pending writes under the namespace prefix itself,
 * which no entry's key equals. `cleared` runs once L2 is cleared.
 */
export interface PendingClear extends PendingWrite {
  readonly clearPrefix: string
  readonly cleared: () => void
}

/** The pending write standing for a `clear()` of `prefix` made at `at`. */
export function pendingClear(prefix: string, at: number, cleared: () => void): PendingClear {
  return { value: undefined, staleUntil: 0, at, keep: true, clearPrefix: prefix, cleared }
}

const isPendingClear = (write: PendingWrite): write is PendingClear => 'clearPrefix' in write

/**
 * Writes the outage's pending writes to L2, newest wins: an L2 entry created after a pending write is
 * kept, and so is any write this instance sent since the replay began. A pending clear goes first, as
 * every other pending write was made after it. An expired write deletes the older L2 entry. Failed ones
 * are kept for later.
 */
export async function replayPending(context: ReplayContext): Promise<void> {
  const { pending, codec, now, call } = context
  if (pending.size === 0 || pending.replaying) return
  const batch = pending.beginReplay()
  try {
    const clearAt = batch.findIndex(([, write]) => isPendingClear(write))
    if (clearAt >= 0) {
      const [[key, clear]] = batch.splice(clearAt, 1) as [[string, PendingClear]]
      // Sent before any await, like the writes below: a live write sent after it lands after it.
      const ok = await call('replay', (s) => s.clear(clear.clearPrefix).then(() => true))
      if (!ok) {
        for (const [k, write] of [[key, clear] as const, ...batch])
          if (!pending.touchedSinceReplay(k)) pending.set(k, write)
        return
      }
      clear.cleared()
      pending.settled([key])
    }
    for (let from = 0; from < batch.length; from += REPLAY_CHUNK) {
      const chunk = batch.slice(from, from + REPLAY_CHUNK)
      const current = await call('getMany', (s) => s.getMany(chunk.map(([key]) => key)))
      if (!current) {
        for (const [key, write] of batch.slice(from))
          if (!pending.touchedSinceReplay(key)) pending.set(key, write)
        return
      }
      const existing = await Promise.all(
        current.map((bytes, i) =>
          bytes ? codec.open(bytes, chunk[i]![0]).catch(() => undefined) : undefined,
        ),
      )
      // No await from here until both commands are sent: a live write sent after this point reaches
      // L2 after the replay (same connection, in order) and wins; one sent before is skipped below.
      const sets: StoreEntry[] = []
      const setWrites: [string, PendingWrite][] = []
      const deleteWrites: [string, PendingWrite][] = []
      const at = now()
      chunk.forEach(([key, write], i) => {
        const entry = existing[i]
        if (entry && entry.meta.createdAt > write.at) return
        if (pending.touchedSinceReplay(key)) return
        if (write.value === undefined) {
          deleteWrites.push([key, write])
          return
        }
        const ttlMs =
          write.staleUntil === Number.POSITIVE_INFINITY ? undefined : Math.ceil(write.staleUntil - at)
        if (ttlMs !== undefined && ttlMs <= 0) {
          // Expired during the outage: nothing to write, but the older L2 entry must not come back.
          if (current[i] !== undefined) deleteWrites.push([key, write])
          return
        }
        sets.push({ key, value: write.value, ...(ttlMs === undefined ? {} : { ttlMs }) })
        setWrites.push([key, write])
      })
      const [setsOk, deletesOk] = await Promise.all([
        sets.length > 0 ? call('replay', (s) => s.setMany(sets).then(() => true)) : true,
        deleteWrites.length > 0 ? call('replay', (s) => s.deleteMany(deleteWrites.map(([key]) => key))) : 0,
      ])
      // Failed ones go back to the queue, unless superseded (or cleared) meanwhile.
      const requeue = (writes: [string, PendingWrite][]) => {
        for (const [key, write] of writes) if (!pending.touchedSinceReplay(key)) pending.set(key, write)
      }
      if (setsOk === undefined) requeue(setWrites)
      if (deletesOk === undefined) requeue(deleteWrites)
      pending.settled(chunk.map(([key]) => key))
    }
  } finally {
    pending.endReplay()
  }
}
