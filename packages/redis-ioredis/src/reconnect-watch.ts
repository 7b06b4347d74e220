import type { RedisClient } from './connection'

interface Watch {
  listeners: Set<{ listener: () => void }>
  lost: boolean
  onClose(): void
  onReady(): void
}

const watches = new WeakMap<RedisClient, Watch>()

/**
 * Calls `listener` each time `client` is ready again after a lost connection; returns a function that
 * stops it. Every store and cache on one client shares a single pair of `close`/`ready` listeners, so a
 * dozen caches on one client do not trip Node's MaxListenersExceededWarning (10 listeners per event).
 */
export function watchReconnect(client: RedisClient, listener: () => void): () => void {
  let watch = watches.get(client)
  if (!watch) {
    const created: Watch = {
      listeners: new Set(),
      lost: false,
      onClose: () => {
        created.lost = true
      },
      onReady: () => {
        if (!created.lost) return
        created.lost = false
        for (const entry of [...created.listeners]) entry.listener()
      },
    }
    watch = created
    watches.set(client, watch)
    client.on('close', watch.onClose)
    client.on('ready', watch.onReady)
  }
  const current = watch
  // An object per call: the same function registered twice is stopped once per registration.
  const entry = { listener }
  current.listeners.add(entry)
  return () => {
    if (!current.listeners.delete(entry) || current.listeners.size > 0) return
    client.off('close', current.onClose)
    client.off('ready', current.onReady)
    watches.delete(client)
  }
}
