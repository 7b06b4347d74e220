import type { Bus, InvalidationMessage } from '@cache/core'
import { InfrastructureError, ValidationError } from '@cache/core'
import { type ConnectionHandle, openConnection, type RedisConnection } from './connection'
import { BUS_DEFAULTS } from './defaults'
import { nonEmptyString, positiveInteger } from './option-checks'
import { toInfrastructureError } from './redis-errors'
import { SubscriberLink } from './subscriber-link'

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
  #link: SubscriberLink | undefined
  #closed = false

  constructor(connection: RedisConnection, options: RedisBusOptions = {}) {
    if (typeof options !== 'object' || options === null) {
      throw new ValidationError('redisBus expects an options object', 'INVALID_OPTION')
    }
    this.channel = nonEmptyString('redisBus', 'channel', options.channel ?? BUS_DEFAULTS.channel)
    this.#connectionName = nonEmptyString(
      'redisBus',
      'connectionName',
      options.connectionName ?? BUS_DEFAULTS.connectionName,
    )
    this.#subscribeTimeoutMs = positiveInteger(
      'redisBus',
      'subscribeTimeoutMs',
      options.subscribeTimeoutMs ?? BUS_DEFAULTS.subscribeTimeoutMs,
      'of milliseconds',
    )
    this.#healthCheckIntervalMs = positiveInteger(
      'redisBus',
      'healthCheckIntervalMs',
      options.healthCheckIntervalMs ?? BUS_DEFAULTS.healthCheckIntervalMs,
      'of milliseconds',
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
    this.#link ??= new SubscriberLink(this.#handle.client, {
      connectionName: this.#connectionName,
      healthCheckIntervalMs: this.#healthCheckIntervalMs,
      setup: async (sub) => {
        await sub.subscribe(this.channel)
      },
      onMessage: (channel, payload) => {
        if (channel.toString() === this.channel && Buffer.isBuffer(payload)) this.#deliver(payload.toString())
      },
      // Messages sent while the subscriber was away are lost: let every cache drop what may be stale.
      onReset: () => {
        for (const subscriber of this.#subscribers) subscriber.onReset?.()
      },
    })
    try {
      await this.#link.ready(this.#subscribeTimeoutMs, 'redisBus subscribe')
      await this.#handle.firstAttempt
    } catch (error) {
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
    this.#link?.close()
    await this.#handle.close()
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
