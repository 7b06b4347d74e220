import { randomUUID } from 'node:crypto'
import { InfrastructureError, type Lock, type Release, ValidationError } from '@cache/core'
import { type ConnectionHandle, openConnection, type RedisConnection } from './connection'
import { toInfrastructureError } from './redis-errors'

/** Deletes the key only while it still holds our token, so a late release never frees someone else's lock. */
const RELEASE_SCRIPT = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`

/** A distributed mutex: `SET key token NX PX ttl` to take it, a compare-and-delete script to release it. */
export class RedisLock implements Lock {
  readonly #handle: ConnectionHandle
  #closed = false

  constructor(connection: RedisConnection) {
    this.#handle = openConnection('redisLock', connection)
  }

  /** A release function when `key` was free, `undefined` when someone holds it; rejects when offline. */
  async acquire(key: string, ttlMs: number): Promise<Release | undefined> {
    if (typeof key !== 'string' || key.length === 0)
      throw new ValidationError('redisLock acquire expects a non-empty key', 'INVALID_KEY')
    if (typeof ttlMs !== 'number' || !(ttlMs > 0) || !Number.isFinite(ttlMs))
      throw new ValidationError(
        `redisLock acquire expects a positive ttlMs, got ${String(ttlMs)}`,
        'INVALID_TTL',
      )
    if (this.#closed) throw new InfrastructureError('redisLock acquire: the lock is closed', 'CLOSED')
    await this.#handle.firstAttempt
    const token = randomUUID()
    let reply: string | null
    try {
      reply = await this.#handle.client.set(key, token, 'PX', Math.ceil(ttlMs), 'NX')
    } catch (error) {
      throw toInfrastructureError(error, 'redisLock acquire', this.#handle)
    }
    if (reply !== 'OK') return undefined
    let released: Promise<boolean> | undefined
    return () => {
      released ??= this.#release(key, token)
      return released
    }
  }

  /** Closes the connection when the lock opened it. Idempotent. */
  async close(): Promise<void> {
    this.#closed = true
    await this.#handle.close()
  }

  async #release(key: string, token: string): Promise<boolean> {
    try {
      return (await this.#handle.client.eval(RELEASE_SCRIPT, 1, key, token)) === 1
    } catch (error) {
      throw toInfrastructureError(error, 'redisLock release', this.#handle)
    }
  }
}

/** Creates a {@link RedisLock} from `{ url }` or `{ client }`. */
export function redisLock(connection: RedisConnection): RedisLock {
  return new RedisLock(connection)
}
