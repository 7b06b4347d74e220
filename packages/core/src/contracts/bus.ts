/** An invalidation travelling between cache instances. `origin` lets an instance skip its own messages. */
export type InvalidationMessage =
  | { kind: 'keys'; origin: string; keys: string[] }
  | { kind: 'clear'; origin: string; prefix: string }
  | { kind: 'tags'; origin: string; namespace: string; tags: string[] }

/** Delivers invalidations between instances (Redis pub/sub, for example). */
export interface Bus {
  /** Sends a message to every other subscriber; rejects with an `InfrastructureError` when offline. */
  publish(message: InvalidationMessage): Promise<void>
  /**
   * Starts delivering messages to `onMessage`. `onReset` runs after the bus reconnects, because
   * messages may have been missed meanwhile. Resolves to an unsubscribe function.
   */
  subscribe(
    onMessage: (message: InvalidationMessage) => void,
    onReset?: () => void,
  ): Promise<() => Promise<void>>
  /** Releases what the bus opened; calling it twice is harmless. */
  close(): Promise<void>
}
