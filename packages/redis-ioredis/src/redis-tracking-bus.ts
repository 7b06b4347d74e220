import type { Bus, InvalidationMessage } from '@cache/core'
import { InfrastructureError, ValidationError } from '@cache/core'
import {
  type ConnectionHandle,
  openConnection,
  type RedisConnection,
  refuseClientOptions,
} from './connection'
import { TRACKING_BUS_DEFAULTS } from './defaults'
import { positiveInteger } from './option-checks'
import { toInfrastructureError } from './redis-errors'
import { SubscriberLink } from './subscriber-link'

/** Options of {@link redisTrackingBus}. */
export interface RedisTrackingBusOptions {
  /** Key prefixes to watch, normally the cache's namespace plus `:` (for example `['app:']`). Must not overlap. */
  prefixes: readonly string[]
  /** Name of the tracking connection (CLIENT SETNAME). @default 'cache-tracking' */
  connectionName?: string
  /** How long `subscribe` waits for tracking to be on. @default 1000 */
  subscribeTimeoutMs?: number
  /** PING period on the tracking connection; an unanswered PING forces a reconnect (and `onReset`). @default 5000 */
  healthCheckIntervalMs?: number
}

const INVALIDATE_CHANNEL = '__redis__:invalidate'
/** Origin of the messages this bus delivers: the server, never a cache instance. */
const ORIGIN = 'redis-tracking'

/**
 * Invalidation through Redis server-assisted client-side caching (`CLIENT TRACKING ... BCAST PREFIX`):
 * Redis itself reports every key modified under the prefixes, by any client, so `publish` sends nothing.
 * Unlike the pub/sub bus it also sees writes made outside the cache, but an instance's own writes come
 * back to it too (its fresh L1 copy is dropped and read again from Redis once).
 */
export class RedisTrackingBus implements Bus {
  readonly prefixes: readonly string[]
  readonly #handle: ConnectionHandle
  readonly #connectionName: string
  readonly #subscribeTimeoutMs: number
  readonly #healthCheckIntervalMs: number
  readonly #subscribers = new Set<{ onMessage: (m: InvalidationMessage) => void; onReset?: () => void }>()
  #link: SubscriberLink | undefined
  #closed = false

  constructor(connection: RedisConnection, options: RedisTrackingBusOptions) {
    if (typeof options !== 'object' || options === null || !Array.isArray(options.prefixes)) {
      throw new ValidationError('redisTrackingBus expects { prefixes: string[] }', 'INVALID_OPTION')
    }
    if (options.prefixes.length === 0 || options.prefixes.some((p) => typeof p !== 'string' || p === '')) {
      throw new ValidationError(
        'redisTrackingBus option prefixes must be non-empty strings (an empty prefix would track every key)',
        'INVALID_OPTION',
      )
    }
    // Redis refuses overlapping prefixes on every (re)connect, which would only surface as a subscribe timeout.
    for (const [i, prefix] of options.prefixes.entries()) {
      const other = options.prefixes.find((p, j) => j !== i && p.startsWith(prefix))
      if (other !== undefined) {
        throw new ValidationError(
          `redisTrackingBus option prefixes must not overlap: ${JSON.stringify(prefix)} and ${JSON.stringify(other)}`,
          'INVALID_OPTION',
        )
      }
    }
    this.prefixes = [...options.prefixes]
    this.#connectionName = options.connectionName ?? TRACKING_BUS_DEFAULTS.connectionName
    this.#subscribeTimeoutMs = positiveInteger(
      'redisTrackingBus',
      'subscribeTimeoutMs',
      options.subscribeTimeoutMs ?? TRACKING_BUS_DEFAULTS.subscribeTimeoutMs,
      'of milliseconds',
    )
    this.#healthCheckIntervalMs = positiveInteger(
      'redisTrackingBus',
      'healthCheckIntervalMs',
      options.healthCheckIntervalMs ?? TRACKING_BUS_DEFAULTS.healthCheckIntervalMs,
      'of milliseconds',
    )
    refuseClientOptions('redisTrackingBus', connection, ['keyPrefix'])
    this.#handle = openConnection('redisTrackingBus', connection)
    if (this.#handle.isCluster) {
      // Tracking is per node: one connection would only hear about the slots of the node it landed on.
      void this.#handle.close()
      throw new ValidationError(
        'redisTrackingBus does not support a Cluster client (tracking is per node); use redisBus',
        'INVALID_OPTION',
      )
    }
  }

  /** Nothing to send: Redis reports the modified keys itself. */
  async publish(_message: InvalidationMessage): Promise<void> {
    if (this.#closed) throw new InfrastructureError('redisTrackingBus publish: the bus is closed', 'CLOSED')
  }

  /** Delivers `{ kind: 'keys' }` for every key Redis reports modified; `onReset` after each reconnect. */
  async subscribe(
    onMessage: (message: InvalidationMessage) => void,
    onReset?: () => void,
  ): Promise<() => Promise<void>> {
    if (this.#closed) throw new InfrastructureError('redisTrackingBus subscribe: the bus is closed', 'CLOSED')
    const entry = { onMessage, ...(onReset ? { onReset } : {}) }
    this.#subscribers.add(entry)
    this.#link ??= new SubscriberLink(this.#handle.client, {
      connectionName: this.#connectionName,
      healthCheckIntervalMs: this.#healthCheckIntervalMs,
      // RESP2: the connection redirects the invalidations to itself and listens to them. Tracking is
      // per connection, so it is turned on again after every reconnect.
      setup: async (sub) => {
        const id = await sub.client('ID')
        const prefixArgs = this.prefixes.flatMap((prefix) => ['PREFIX', prefix])
        await sub.call('CLIENT', 'TRACKING', 'ON', 'REDIRECT', String(id), 'BCAST', ...prefixArgs)
        await sub.subscribe(INVALIDATE_CHANNEL)
      },
      onMessage: (channel, payload) => {
        if (channel.toString() !== INVALIDATE_CHANNEL) return
        // A null payload means the server flushed its tracking table (FLUSHALL/FLUSHDB): drop everything.
        if (!Array.isArray(payload)) return this.#reset()
        const keys = payload.map((key: Buffer) => key.toString())
        const message: InvalidationMessage = { kind: 'keys', origin: ORIGIN, keys }
        for (const subscriber of this.#subscribers) subscriber.onMessage(message)
      },
      onReset: () => this.#reset(),
    })
    try {
      await this.#link.ready(this.#subscribeTimeoutMs, 'redisTrackingBus subscribe')
    } catch (error) {
      throw toInfrastructureError(error, 'redisTrackingBus subscribe', this.#handle)
    }
    return async () => {
      this.#subscribers.delete(entry)
    }
  }

  /** Closes the tracking connection, and the one the bus opened. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    this.#subscribers.clear()
    this.#link?.close()
    await this.#handle.close()
  }

  #reset(): void {
    for (const subscriber of this.#subscribers) subscriber.onReset?.()
  }
}

/** Creates a {@link RedisTrackingBus} from `{ url }` or `{ client }`. */
export function redisTrackingBus(
  connection: RedisConnection,
  options: RedisTrackingBusOptions,
): RedisTrackingBus {
  return new RedisTrackingBus(connection, options)
}
