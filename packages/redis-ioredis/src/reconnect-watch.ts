import type { RedisClient } from './connection'

/** One client's `close`/`ready` listener pair, fanning out to every store listening on that client. */
class ReconnectWatch {
  /** One entry per `watchReconnect` call: the same function registered twice is stopped once per call. */
  readonly listeners = new Set<{ listener: () => void }>()
  #lost = false
  readonly onClose = () => {
    this.#lost = true
  }
  readonly onReady = () => {
    if (!this.#lost) return
    this.#lost = false
    for (const entry of [...this.listeners]) entry.listener()
  }
}

const watches = new WeakMap<RedisClient, ReconnectWatch>()

/**
 * Calls `listener` each time `client` is ready again after a lost connection; returns a function that
 * stops it. Every store and cache on one client shares a single pair of `close`/`ready` listeners, so a
 * dozen caches on one client do not trip Node's MaxListenersExceededWarning (10 listeners per event).
 */
export function watchReconnect(client: RedisClient, listener: () => void): () => void {
  let watch = watches.get(client)
  if (!watch) {
    watch = new ReconnectWatch()
    watches.set(client, watch)
    client.on('close', watch.onClose)
    client.on('ready', watch.onReady)
  }
  const current = watch
  const entry = { listener }
  current.listeners.add(entry)
  return () => {
    if (!current.listeners.delete(entry) || current.listeners.size > 0) return
    client.off('close', current.onClose)
    client.off('ready', current.onReady)
    watches.delete(client)
  }
}
