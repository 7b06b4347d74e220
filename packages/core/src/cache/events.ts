/** Which tier an event concerns. */
export type Tier = 'l1' | 'l2' | 'bus' | 'lock' | 'loader'

/** Payloads of the events a cache emits. */
export interface CacheEvents {
  hit: { key: string; tier: 'l1' | 'l2' }
  miss: { key: string; tier: 'l1' | 'l2' }
  set: { key: string; tier: 'l1' | 'l2' }
  delete: { key: string; tier: 'l1' | 'l2' }
  error: { error: Error; tier: Tier; operation: string; key?: string }
  circuit: { state: 'closed' | 'open' | 'half-open' }
}

type Listener<T> = (payload: T) => void

/** A tiny typed emitter (no Node built-ins); emitting with no listeners costs one lookup. */
export class TypedEmitter<Events extends { [K in keyof Events]: unknown }> {
  readonly #listeners: { [K in keyof Events]?: Listener<Events[K]>[] } = {}

  on<K extends keyof Events>(event: K, listener: Listener<Events[K]>): () => void {
    const list = this.#listeners[event] ?? []
    this.#listeners[event] = [...list, listener]
    return () => this.off(event, listener)
  }

  off<K extends keyof Events>(event: K, listener: Listener<Events[K]>): void {
    const list = this.#listeners[event]
    if (list) this.#listeners[event] = list.filter((l) => l !== listener)
  }

  has(event: keyof Events): boolean {
    return (this.#listeners[event]?.length ?? 0) > 0
  }

  emit<K extends keyof Events>(event: K, payload: Events[K]): void {
    const list = this.#listeners[event]
    if (!list) return
    for (const listener of list) {
      try {
        listener(payload)
      } catch {
        // A throwing listener must not break the cache operation that emitted.
      }
    }
  }
}
