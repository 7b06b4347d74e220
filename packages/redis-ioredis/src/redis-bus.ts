import type { Bus, InvalidationMessage } from '@cache/core'
import { InfrastructureError, ValidationError, withTimeout } from '@cache/core'
import { Cluster, type RedisOptions } from 'ioredis'
import { type ConnectionHandle, openConnection, type RedisClient, type RedisConnection } from './connection'
import { BUS_DEFAULTS } from './defaults'
import { toInfrastructureError } from './redis-errors'

/** Options of {@link redisBus}. */
export interface RedisBusOptions {
  /** Pub/sub channel shared by every instance that should see each other's invalidations. @default 'cache:invalidation' */
  channel?: string
  /** Name of the subscriber connection (CLIENT SETNAME). @default 'cache-bus' */
  connectionName?: string
  /** How long `subscribe` waits for the first subscription. @default 1000 */
  subscribeTimeoutMs?: number
  /** PING period on the subscriber; an unanswered PING forces a reconnect (and `onReset`). @default 5000 */
  healthCheckIntervalMs?: number
}

interface Subscriber {
  onMessage: (message: InvalidationMessage) => void
  onReset: (() => void) | undefined
}

/**
 * Invalidation bus over Redis pub/sub. Publishes on the given client (or its own connection) and
 * listens on a dedicated connection, which it resubscribes after every reconnect before calling `onReset`.
 */
export class RedisBus implements Bus {
  readonly channel: string
  readonly #handle: ConnectionHandle
  readonly #connectionName: string
  readonly #subscribeTimeoutMs: number
  readonly #healthCheckIntervalMs: number
  readonly #subscribers = new Set<Subscriber>()
  #subscriber: RedisClient | undefined
  #healthCheck: ReturnType<typeof setInterval> | undefined
  #pinging = false
  #confirm!: () => void
  readonly #firstSubscription = new Promise<void>((resolve) => {
    this.#confirm = resolve
  })
  #confirmed = false
  /** A `subscribe` call gave up before the first subscription, so its cache may hold stale entries. */
  #missedStart = false
  #closed = false

  constructor(connection: RedisConnection, options: RedisBusOptions = {}) {
    if (typeof options !== 'object' || options === null) {
      throw new ValidationError('redisBus expects an options object', 'INVALID_OPTION')
    }
    this.channel = nonEmpty('channel', options.channel ?? BUS_DEFAULTS.channel)
    this.#connectionName = nonEmpty('connectionName', options.connectionName ?? BUS_DEFAULTS.connectionName)
    this.#subscribeTimeoutMs = positive(
      'subscribeTimeoutMs',
      options.subscribeTimeoutMs ?? BUS_DEFAULTS.subscribeTimeoutMs,
    )
    this.#healthCheckIntervalMs = positive(
      'healthCheckIntervalMs',
      options.healthCheckIntervalMs ?? BUS_DEFAULTS.healthCheckIntervalMs,
    )
    this.#handle = openConnection('redisBus', connection)
  }

  /** Sends `message` as JSON on the channel; rejects with an `InfrastructureError` when offline. */
  async publish(message: InvalidationMessage): Promise<void> {
    if (this.#closed) throw new InfrastructureError('redisBus publish: the bus is closed', 'CLOSED')
    await this.#handle.firstAttempt
    try {
      await this.#handle.client.publish(this.channel, JSON.stringify(message))
    } catch (error) {
      throw toInfrastructureError(error, 'redisBus publish', this.#handle)
    }
  }

  /**
   * Delivers every valid message of the channel to `onMessage`; `onReset` runs after each resubscribe.
   * When Redis cannot be reached in time this rejects, but the bus keeps connecting in the background
   * and, once subscribed, calls `onReset` and delivers from then on.
   */
  async subscribe(
    onMessage: (message: InvalidationMessage) => void,
    onReset?: () => void,
  ): Promise<() => Promise<void>> {
    if (this.#closed) throw new InfrastructureError('redisBus subscribe: the bus is closed', 'CLOSED')
    const entry: Subscriber = { onMessage, onReset }
    this.#subscribers.add(entry)
    this.#subscriber ??= this.#listen()
    try {
      await withTimeout(this.#firstSubscription, this.#subscribeTimeoutMs, 'redisBus subscribe')
      await this.#handle.firstAttempt
    } catch (error) {
      this.#missedStart = true
      throw toInfrastructureError(error, 'redisBus subscribe', this.#handle)
    }
    return async () => {
      this.#subscribers.delete(entry)
    }
  }

  /** Closes the subscriber connection, and the publisher when the bus opened it. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    this.#subscribers.clear()
    clearInterval(this.#healthCheck)
    this.#subscriber?.disconnect()
    await this.#handle.close()
  }

  /** Opens the dedicated subscriber connection; it subscribes again on every (re)connection. */
  #listen(): RedisClient {
    // autoResubscribe is off so the bus knows when the subscription is back and can call onReset.
    const overrides: RedisOptions = {
      autoResubscribe: false,
      connectionName: this.#connectionName,
      enableOfflineQueue: false,
      lazyConnect: false,
      socketTimeout: this.#healthCheckIntervalMs,
    }
    const client = this.#handle.client
    const sub =
      client instanceof Cluster
        ? client.duplicate(undefined, { redisOptions: { ...client.options.redisOptions, ...overrides } })
        : client.duplicate(overrides)
    // Failures surface as a missing subscription and a reset; without a listener ioredis logs each retry.
    sub.on('error', () => {})
    sub.on('message', (channel: string, text: string) => {
      if (channel === this.channel) this.#deliver(text)
    })
    sub.on('ready', () => void this.#subscribeOn(sub))
    this.#healthCheck = setInterval(() => this.#checkLink(sub), this.#healthCheckIntervalMs)
    this.#healthCheck.unref?.()
    return sub
  }

  /**
   * A link that died without a FIN or RST (a partition) looks idle to a subscriber forever. A PING
   * left unanswered for `socketTimeout` makes ioredis destroy the socket; the reconnect that follows
   * resets the caches.
   */
  #checkLink(sub: RedisClient): void {
    if (sub.status !== 'ready' || this.#pinging) return
    this.#pinging = true
    sub
      .ping()
      .catch(() => {})
      .finally(() => {
        this.#pinging = false
      })
  }

  async #subscribeOn(sub: RedisClient): Promise<void> {
    try {
      await sub.subscribe(this.channel)
    } catch {
      // The connection dropped again; the next 'ready' retries.
      return
    }
    if (this.#closed) return
    const reset = this.#confirmed || this.#missedStart
    this.#confirmed = true
    this.#confirm()
    // Messages sent while the subscriber was away are lost: let every cache drop what may be stale.
    if (reset) for (const subscriber of this.#subscribers) subscriber.onReset?.()
  }

  #deliver(text: string): void {
    let message: unknown
    try {
      message = JSON.parse(text)
    } catch {
      return
    }
    if (!isInvalidation(message)) return
    for (const subscriber of this.#subscribers) subscriber.onMessage(message)
  }
}

/** Creates a {@link RedisBus} from `{ url }` or `{ client }`. */
export function redisBus(connection: RedisConnection, options?: RedisBusOptions): RedisBus {
  return new RedisBus(connection, options)
}

const isStrings = (value: unknown): value is string[] =>
  Array.isArray(value) && value.every((v) => typeof v === 'string')

/** Accepts only well-formed messages, so a foreign publisher on the channel cannot break a cache. */
function isInvalidation(value: unknown): value is InvalidationMessage {
  if (typeof value !== 'object' || value === null) return false
  const m = value as Record<string, unknown>
  if (typeof m.origin !== 'string') return false
  if (m.kind === 'keys') return isStrings(m.keys)
  if (m.kind === 'clear') return typeof m.prefix === 'string'
  if (m.kind === 'tags') return typeof m.namespace === 'string' && isStrings(m.tags)
  return false
}

function nonEmpty(option: string, value: unknown): string {
  if (typeof value !== 'string' || value.length === 0) {
    throw new ValidationError(
      `redisBus option ${option} must be a non-empty string, got ${String(value)}`,
      'INVALID_OPTION',
    )
  }
  return value
}

function positive(option: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) {
    throw new ValidationError(
      `redisBus option ${option} must be a positive integer of milliseconds, got ${String(value)}`,
      'INVALID_OPTION',
    )
  }
  return value
}
