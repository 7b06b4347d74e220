import { withTimeout } from '@cache/core'
import { Cluster, type RedisOptions } from 'ioredis'
import type { RedisClient } from './connection'

/** Options of {@link SubscriberLink}. */
export interface SubscriberLinkOptions {
  connectionName: string
  healthCheckIntervalMs: number
  /** Runs on every (re)connection before messages can flow (SUBSCRIBE, CLIENT TRACKING...). */
  setup(sub: RedisClient): Promise<void>
  /** Raw pub/sub message: channel and payload as ioredis hands them over (Buffer, Buffer[] or null). */
  onMessage(channel: Buffer, payload: unknown): void
  /** The link is back after a gap in which messages may have been lost. */
  onReset(): void
}

/**
 * A dedicated connection in subscriber mode that sets itself up again after every reconnect, reports
 * when messages may have been missed, and detects a dead link with PINGs.
 */
export class SubscriberLink {
  readonly #sub: RedisClient
  readonly #options: SubscriberLinkOptions
  readonly #healthCheck: ReturnType<typeof setInterval>
  readonly #firstSetup: Promise<void>
  #confirm!: () => void
  #confirmed = false
  /** Someone gave up waiting for the first setup, so its cache may hold stale entries. */
  #missedStart = false
  #pinging = false
  #closed = false
  /** Set up on the current connection, which has not dropped since. */
  #live = false

  constructor(client: RedisClient, options: SubscriberLinkOptions) {
    this.#options = options
    this.#firstSetup = new Promise((resolve) => {
      this.#confirm = resolve
    })
    // autoResubscribe is off so the link knows when it is set up again and can report the gap. A PING left
    // unanswered for socketTimeout makes ioredis destroy the socket (and reconnect).
    const overrides: RedisOptions = {
      autoResubscribe: false,
      connectionName: options.connectionName,
      enableOfflineQueue: false,
      lazyConnect: false,
      socketTimeout: options.healthCheckIntervalMs,
    }
    const sub =
      client instanceof Cluster
        ? client.duplicate(undefined, { redisOptions: { ...client.options.redisOptions, ...overrides } })
        : client.duplicate(overrides)
    this.#sub = sub
    // Failures surface as a missing setup and a reset; without a listener ioredis logs each retry.
    sub.on('error', () => {})
    sub.on('messageBuffer', (channel: Buffer, payload: unknown) => {
      if (!this.#closed) options.onMessage(channel, payload)
    })
    sub.on('ready', () => void this.#setUp())
    sub.on('close', () => {
      this.#live = false
    })
    this.#healthCheck = setInterval(() => this.#ping(), options.healthCheckIntervalMs)
    this.#healthCheck.unref?.()
  }

  /** Resolves after the first setup; rejects after `timeoutMs` (the link keeps trying, then resets). */
  async ready(timeoutMs: number, what: string): Promise<void> {
    try {
      await withTimeout(this.#firstSetup, timeoutMs, what)
    } catch (error) {
      this.#missedStart = true
      throw error
    }
  }

  /** True while messages can flow: set up, and the connection has not dropped since. */
  get live(): boolean {
    return this.#live && !this.#closed
  }

  close(): void {
    this.#closed = true
    clearInterval(this.#healthCheck)
    this.#sub.disconnect()
  }

  async #setUp(): Promise<void> {
    try {
      await this.#options.setup(this.#sub)
    } catch {
      // The connection dropped again; the next 'ready' retries.
      return
    }
    if (this.#closed) return
    this.#live = this.#sub.status === 'ready'
    const reset = this.#confirmed || this.#missedStart
    this.#confirmed = true
    this.#confirm()
    if (reset) this.#options.onReset()
  }

  /** A link that died without a FIN or RST (a partition) looks idle forever; an unanswered PING reveals it. */
  #ping(): void {
    if (this.#sub.status !== 'ready' || this.#pinging) return
    this.#pinging = true
    this.#sub
      .ping()
      .catch(() => {})
      .finally(() => {
        this.#pinging = false
      })
  }
}
