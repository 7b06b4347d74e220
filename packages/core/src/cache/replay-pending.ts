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
 * Writes the outage's pending writes to L2, newest wins: an L2 entry created after a pending write is
 * kept, and so is any write this instance sent since the replay began. Failed ones are kept for later.
 */
export async function replayPending(context: ReplayContext): Promise<void> {
  const { pending, codec, now, call } = context
  if (pending.size === 0 || pending.replaying) return
  const batch = pending.beginReplay()
  try {
    for (let from = 0; from < batch.length; from += REPLAY_CHUNK) {
      const chunk = batch.slice(from, from + REPLAY_CHUNK)
      const current = await call('getMany', (s) => s.getMany(chunk.map(([key]) => key)))
      if (!current) {
        for (const [key, write] of batch.slice(from))
          if (!pending.touchedSinceReplay(key)) pending.set(key, write)
        return
      }
      const existing = await Promise.all(
        current.map((bytes) => (bytes ? codec.open(bytes).catch(() => undefined) : undefined)),
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
        if (ttlMs !== undefined && ttlMs <= 0) return
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
      pending.settled(chunk.length)
    }
  } finally {
    pending.endReplay()
  }
}
