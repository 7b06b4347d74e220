/** Releases a held lock; resolves to false if it had already expired or been taken over. */
export type Release = () => Promise<boolean>

/** A distributed mutex used to make `getOrSet` single-flight across processes. */
export interface Lock {
  /** A release function when acquired, `undefined` when another holder has it. Rejects when offline. */
  acquire(key: string, ttlMs: number): Promise<Release | undefined>
  /**
   * Optional: resolves `true` as soon as a holder of `key` releases it, `false` when it gives up: after
   * at most `timeoutMs` without news (a lost notice), or at once when it cannot notify right now (the
   * caller then sleeps the rest). Must not reject on infrastructure trouble. Lets a waiting `getOrSet`
   * re-read L2 the moment the value lands instead of at its next poll; without it the cache polls only.
   */
  waitForRelease?(key: string, timeoutMs: number): Promise<boolean>
  /** Releases what the lock opened; calling it twice is harmless. */
  close(): Promise<void>
}
