/** Releases a held lock; resolves to false if it had already expired or been taken over. */
export type Release = () => Promise<boolean>

/** A distributed mutex used to make `getOrSet` single-flight across processes. */
export interface Lock {
  /** A release function when acquired, `undefined` when another holder has it. Rejects when offline. */
  acquire(key: string, ttlMs: number): Promise<Release | undefined>
  /** Releases what the lock opened; calling it twice is harmless. */
  close(): Promise<void>
}
