import { randomUUID } from 'node:crypto'
import { InfrastructureError, type Lock, type Release, ValidationError } from '@cache/core'
import { type ConnectionHandle, openConnection, type RedisConnection } from './connection'
import { LOCK_DEFAULTS } from './defaults'
import { MAX_TTL_MS, nonEmptyString, positiveInteger } from './option-checks'
import { toInfrastructureError } from './redis-errors'
import { SubscriberLink } from './subscriber-link'

/** Deletes the key only while it still holds our token, so a late release never frees someone else's lock. */
const RELEASE_SCRIPT = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`
const ignore = () => {}
/** Longest delay setTimeout honours (a signed 32-bit number of milliseconds). */
const MAX_TIMER_MS = 2 ** 31 - 1

/** Options of {@link redisLock}. */
export interface RedisLockOptions {
  /**
   * Announce each release on a pub/sub channel and listen to it on one extra connection, so waiting
   * `getOrSet` callers re-read Redis the moment the holder releases instead of at their next poll.
   * Off: no extra connection, waiters poll only. @default true
   */
  wakeOnRelease?: boolean
  /** Channel of the release notices; every lock that shares keys must use the same. @default 'cache:lock:released' */
  channel?: string
  /** Name of the subscriber connection (CLIENT SETNAME). @default 'cache-lock' */
  connectionName?: string
  /** PING period on the subscriber; an unanswered PING forces a reconnect. @default 5000 */
  healthCheckIntervalMs?: number
}

interface Waiter {
  wake: (released: boolean) => void
}

/**
 * A distributed mutex: `SET key token NX PX ttl` to take it, a compare-and-delete script to release it.
 * With `wakeOnRelease` (the default) each release also publishes the key, and `waitForRelease` resolves
 * on that notice; a lost notice only costs the caller's own timeout.
 */
export class RedisLock implements Lock {
  readonly #handle: ConnectionHandle
  readonly #channel: string | undefined
  readonly #link: SubscriberLink | undefined
  /** Waiters per lock key; one listener on the connection serves them all. */
  readonly #waiters = new Map<string, Set<Waiter>>()
  #closed = false

  constructor(connection: RedisConnection, options: RedisLockOptions = {}) {
    if (typeof options !== 'object' || options === null) {
      throw new ValidationError('redisLock expects an options object', 'INVALID_OPTION')
    }
    const wake = options.wakeOnRelease ?? LOCK_DEFAULTS.wakeOnRelease
    if (typeof wake !== 'boolean') {
      throw new ValidationError(
        `redisLock option wakeOnRelease must be a boolean, got ${String(wake)}`,
        'INVALID_OPTION',
      )
    }
    const channel = nonEmptyString('redisLock', 'channel', options.channel ?? LOCK_DEFAULTS.channel)
    const connectionName = nonEmptyString(
      'redisLock',
      'connectionName',
      options.connectionName ?? LOCK_DEFAULTS.connectionName,
    )
    const healthCheckIntervalMs = positiveInteger(
      'redisLock',
      'healthCheckIntervalMs',
      options.healthCheckIntervalMs ?? LOCK_DEFAULTS.healthCheckIntervalMs,
      'of milliseconds',
    )
    this.#handle = openConnection('redisLock', connection)
    if (!wake) return
    this.#channel = channel
    // Subscribed from the start: a waiter that had to subscribe first would miss a release in that gap.
    this.#link = new SubscriberLink(this.#handle.client, {
      connectionName,
      healthCheckIntervalMs,
      setup: async (sub) => {
        await sub.subscribe(channel)
      },
      onMessage: (from, payload) => {
        if (Buffer.isBuffer(payload) && from.toString() === channel) this.#wake(payload.toString(), true)
      },
      // Notices sent while the subscriber was away are lost: let every waiter look now.
      onReset: () => this.#wakeAll(true),
    })
  }

  /** A release function when `key` was free, `undefined` when someone holds it; rejects when offline. */
  async acquire(key: string, ttlMs: number): Promise<Release | undefined> {
    if (typeof key !== 'string' || key.length === 0)
      throw new ValidationError('redisLock acquire expects a non-empty key', 'INVALID_KEY')
    // A lock must expire (a crashed holder would block the key for good), and within Redis's PX range.
    if (typeof ttlMs !== 'number' || !(ttlMs > 0) || !(ttlMs <= MAX_TTL_MS))
      throw new ValidationError(
        `redisLock acquire expects a positive ttlMs of at most ${MAX_TTL_MS} ms, got ${String(ttlMs)}`,
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

  /**
   * Resolves `true` when a release of `key` is announced (by any `redisLock` on the same channel), `false`
   * after `timeoutMs` without one, and at once when no notice can arrive: `wakeOnRelease` off, the
   * subscriber not (yet or again) subscribed, the lock closed. Rejects
   * only on invalid arguments (`ValidationError`). Expiry of a holder's TTL is not announced: callers keep polling as well.
   */
  waitForRelease(key: string, timeoutMs: number): Promise<boolean> {
    if (typeof key !== 'string' || key.length === 0)
      return Promise.reject(
        new ValidationError('redisLock waitForRelease expects a non-empty key', 'INVALID_KEY'),
      )
    if (typeof timeoutMs !== 'number' || Number.isNaN(timeoutMs))
      return Promise.reject(
        new ValidationError(
          `redisLock waitForRelease expects a number of milliseconds, got ${String(timeoutMs)}`,
          'INVALID_TTL',
        ),
      )
    // Not subscribed right now (starting, reconnecting, off): a notice could not arrive, so say so at once.
    if (!this.listening || !(timeoutMs > 0)) return Promise.resolve(false)
    return new Promise<boolean>((resolve) => {
      let waiters = this.#waiters.get(key)
      if (!waiters) {
        waiters = new Set()
        this.#waiters.set(key, waiters)
      }
      const set = waiters
      const waiter: Waiter = {
        wake: (released) => {
          clearTimeout(timer)
          resolve(released)
        },
      }
      // No timer for Infinity: only a notice or close() ends the wait. setTimeout fires at once past
      // 2^31 - 1 ms, so longer waits are clamped to that (about 24.8 days).
      const timer = Number.isFinite(timeoutMs)
        ? setTimeout(
            () => {
              set.delete(waiter)
              if (set.size === 0 && this.#waiters.get(key) === set) this.#waiters.delete(key)
              resolve(false)
            },
            Math.min(timeoutMs, MAX_TIMER_MS),
          )
        : undefined
      set.add(waiter)
    })
  }

  /** True while release notices can arrive: `wakeOnRelease` on and the subscriber subscribed. */
  get listening(): boolean {
    return !this.#closed && this.#link?.live === true
  }

  /** Number of `waitForRelease` calls in progress (for tests and diagnostics). */
  get waiting(): number {
    let count = 0
    for (const waiters of this.#waiters.values()) count += waiters.size
    return count
  }

  /** Ends pending waits (`false`), closes the subscriber and the connection the lock opened. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    this.#wakeAll(false)
    this.#link?.close()
    await this.#handle.close()
  }

  #wake(key: string, released: boolean): void {
    const waiters = this.#waiters.get(key)
    if (!waiters) return
    this.#waiters.delete(key)
    for (const waiter of waiters) waiter.wake(released)
  }

  #wakeAll(released: boolean): void {
    for (const key of [...this.#waiters.keys()]) this.#wake(key, released)
  }

  async #release(key: string, token: string): Promise<boolean> {
    const client = this.#handle.client
    try {
      const released = client.eval(RELEASE_SCRIPT, 1, key, token)
      // The notice goes right behind the release on the same connection: no extra round trip, and waiters
      // read only after the key is gone. Not inside the script, so a user without channel permissions
      // (Redis 7 ACLs grant none by default) still releases; its waiters just poll. A notice after a
      // release that found another token is a spurious wake-up, which waiters handle.
      if (this.#channel !== undefined) client.publish(this.#channel, key).catch(ignore)
      return (await released) === 1
    } catch (error) {
      throw toInfrastructureError(error, 'redisLock release', this.#handle)
    }
  }
}

/** Creates a {@link RedisLock} from `{ url }` or `{ client }`. */
export function redisLock(connection: RedisConnection, options?: RedisLockOptions): RedisLock {
  return new RedisLock(connection, options)
}
