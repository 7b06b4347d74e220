import { ValidationError } from '@cache/core'
import { type Cluster, Redis, type RedisOptions } from 'ioredis'
import { CONNECTION_DEFAULTS } from './defaults'
import { type ErrorContext, redact } from './redis-errors'

/** A client this package may use: standalone/Sentinel `Redis` or `Cluster`. */
export type RedisClient = Redis | Cluster

/** Connect by URL: the package creates the client, tunes it for fail-fast use, and closes it. */
export interface RedisUrlConnection {
  /** `redis://[user:password@]host[:port][/db]` or `rediss://...` for TLS. */
  url: string
  /** Longest wait for one connection attempt. @default 1000 ms */
  connectTimeoutMs?: number
  /** Cap of the reconnect backoff; reconnecting never gives up. @default 2000 ms */
  reconnectMaxDelayMs?: number
  /** Reconnect attempts an in-flight command survives. @default 0 */
  maxRetriesPerRequest?: number
  /** Pending commands with no reply for this long mark the socket dead. @default 5000 ms */
  socketTimeoutMs?: number
  /** Extra ioredis options merged over ours, e.g. `{ tls: { ca } }` for a private CA. */
  redisOptions?: RedisOptions
}

/** Use a client the caller created and owns; it is never closed by this package. */
export interface RedisClientConnection {
  client: RedisClient
}

/** Either a URL (we own the client) or an existing ioredis `Redis`/`Cluster` (the caller owns it). */
export type RedisConnection = RedisUrlConnection | RedisClientConnection

// Why RESP2 for the clients we create: every reply the store reads (bulk strings, arrays, integers) decodes
// identically under RESP2 and RESP3 in ioredis 6 (one decoder, values mapped to Buffers under both), so RESP3
// buys the store nothing. RESP2 skips the HELLO negotiation (one less handshake step that can fail or be
// downgraded on every reconnect) and works through proxies and managed endpoints that do not implement HELLO.
// A caller's client keeps whatever protocol it chose; the store is binary-safe with both (tested).
const PROTOCOL = CONNECTION_DEFAULTS.protocol

/** Longest wait in `close()` for QUIT to end an owned client before its socket is dropped. */
const CLOSE_WAIT_MS = 1000

/** A client plus what we know about it: whether we own it, and its secrets for redaction. */
export class ConnectionHandle implements ErrorContext {
  readonly client: RedisClient
  readonly owned: boolean
  readonly isCluster: boolean
  readonly secrets: readonly string[]
  /** Settles once the first connection attempt of an owned client is over (ready or failed). */
  readonly firstAttempt: Promise<void>
  #lastError: string | undefined
  #closing: Promise<void> | undefined
  #settleFirstAttempt: () => void = () => {}

  constructor(client: RedisClient, owned: boolean, secrets: readonly string[], connectTimeoutMs: number) {
    this.client = client
    this.owned = owned
    this.isCluster = client.isCluster === true
    this.secrets = secrets
    if (!owned) {
      this.firstAttempt = Promise.resolve()
      return
    }
    // An owned client runs without an offline queue, so commands sent before the first connection is up
    // would fail at once; they wait for that first attempt instead (bounded by the connect timeout).
    this.firstAttempt = new Promise<void>((resolve) => {
      const timer = setTimeout(done, connectTimeoutMs + 100)
      timer.unref?.()
      function done() {
        clearTimeout(timer)
        client.off('ready', done)
        client.off('end', done)
        resolve()
      }
      this.#settleFirstAttempt = done
      client.once('ready', done)
      client.once('end', done)
    })
    // Listening to `error` also keeps ioredis from printing "Unhandled error event" for our own client.
    client.on('error', (error: Error) => {
      this.#lastError = redact(error.message, this.secrets)
      this.#settleFirstAttempt()
    })
  }

  /** The last connection-level error reported by the client, redacted. */
  lastError(): string | undefined {
    return this.#lastError
  }

  /** True while the client can send commands right away. */
  isReady(): boolean {
    return this.client.status === 'ready'
  }

  /** Quits an owned client (idempotent); a caller's client is left open. */
  close(): Promise<void> {
    if (!this.owned) return Promise.resolve()
    this.#closing ??= this.#quit()
    return this.#closing
  }

  async #quit(): Promise<void> {
    this.#settleFirstAttempt()
    const client = this.client
    // A function, so TypeScript does not narrow `status` across the awaits below.
    const isEnded = () => client.status === 'end'
    if (isEnded()) return
    const ended = new Promise<void>((resolve) => client.once('end', () => resolve()))
    if (client.status === 'ready') {
      // QUIT lets in-flight replies arrive; if the link dies meanwhile, disconnect() stops reconnecting.
      // Not awaited: over a partitioned link its reply would only come after socketTimeoutMs.
      client.quit().catch(() => client.disconnect())
    } else {
      client.disconnect()
    }
    // Resolve only when the client has ended (QUIT's reply can come before the socket is gone); past
    // CLOSE_WAIT_MS the socket is dropped instead, and its end awaited as briefly.
    const endedOrWaited = async () => {
      let timer: ReturnType<typeof setTimeout> | undefined
      await Promise.race([
        ended,
        new Promise<void>((resolve) => (timer = setTimeout(resolve, CLOSE_WAIT_MS))),
      ])
      clearTimeout(timer)
    }
    await endedOrWaited()
    if (isEnded()) return
    client.disconnect()
    await endedOrWaited()
  }
}

/** ioredis options a factory cannot work with; {@link refuseClientOptions} names the one set. */
export type UnsupportedClientOption = 'keyPrefix' | 'enableAutoPipelining'

const UNSUPPORTED_WHY: Record<UnsupportedClientOption, string> = {
  keyPrefix:
    "SCAN patterns, tracking prefixes and Cluster slots would be computed without it; use createCache's namespace instead",
  enableAutoPipelining:
    'it sends commands a tick late and out of order with pipelines; the store already batches the commands of a tick',
}

/**
 * Throws a `ValidationError` when the caller's client, or `redisOptions` of a URL connection, sets one of
 * `refused`. Runs before a client is created; a malformed connection is left to {@link openConnection}.
 */
export function refuseClientOptions(
  factory: string,
  connection: RedisConnection,
  refused: readonly UnsupportedClientOption[],
): void {
  if (typeof connection !== 'object' || connection === null) return
  let options: Partial<RedisOptions> | undefined
  let where: string
  if ('client' in connection && connection.client !== undefined) {
    // A Cluster copies redisOptions.keyPrefix to its own options; its autopipelining is its own option too.
    options = (connection.client as { options?: Partial<RedisOptions> } | null)?.options
    where = 'option client has'
  } else {
    options = (connection as RedisUrlConnection).redisOptions
    where = 'option redisOptions has'
  }
  if (typeof options !== 'object' || options === null) return
  for (const name of refused) {
    const value = options[name]
    if (!value) continue
    throw new ValidationError(
      `${factory} ${where} ${name} set, which is not supported: ${UNSUPPORTED_WHY[name]}`,
      'INVALID_OPTION',
    )
  }
}

/** Turns a connection description into a client handle; validates a URL and names the bad part. */
export function openConnection(factory: string, connection: RedisConnection): ConnectionHandle {
  if (typeof connection !== 'object' || connection === null) {
    throw new ValidationError(`${factory} expects { url } or { client }`, 'INVALID_OPTION')
  }
  if ('client' in connection && connection.client !== undefined) {
    const client = connection.client as Partial<Redis> | null
    if (typeof client !== 'object' || client === null || typeof client.getBuffer !== 'function') {
      throw new ValidationError(
        `${factory} option client must be an ioredis Redis or Cluster`,
        'INVALID_OPTION',
      )
    }
    return new ConnectionHandle(connection.client, false, clientSecrets(connection.client), 0)
  }
  if (!('url' in connection) || typeof connection.url !== 'string') {
    throw new ValidationError(`${factory} expects { url } or { client }`, 'INVALID_OPTION')
  }
  const { options, secrets } = parseRedisUrl(factory, connection.url)
  const connectTimeoutMs = positive(factory, 'connectTimeoutMs', connection.connectTimeoutMs)
  const reconnectMaxDelayMs = positive(factory, 'reconnectMaxDelayMs', connection.reconnectMaxDelayMs)
  const socketTimeoutMs = positive(factory, 'socketTimeoutMs', connection.socketTimeoutMs)
  const maxRetriesPerRequest = connection.maxRetriesPerRequest ?? CONNECTION_DEFAULTS.maxRetriesPerRequest
  if (!Number.isInteger(maxRetriesPerRequest) || maxRetriesPerRequest < 0) {
    throw new ValidationError(
      `${factory} option maxRetriesPerRequest must be a non-negative integer, got ${String(maxRetriesPerRequest)}`,
      'INVALID_OPTION',
    )
  }
  const extra = connection.redisOptions ?? {}
  const client = new Redis({
    ...options,
    protocol: PROTOCOL,
    connectTimeout: connectTimeoutMs,
    // No offline queue: while the link is down a command fails at once (and feeds core's circuit breaker)
    // instead of piling up and being replayed, possibly over newer writes, when Redis returns.
    enableOfflineQueue: false,
    maxRetriesPerRequest,
    autoResendUnfulfilledCommands: false,
    socketTimeout: socketTimeoutMs,
    retryStrategy: (attempt: number) => backoffMs(attempt, reconnectMaxDelayMs),
    ...extra,
    tls: mergeTls(options.tls, extra.tls),
  })
  return new ConnectionHandle(client, true, [...secrets, ...passwordsOf(extra)], connectTimeoutMs)
}

/**
 * The TLS options `rediss://` implies (the host as `servername`) with the caller's over them. Since
 * ioredis 6.1 the caller's may be a profile name (`'RedisCloudFixed'`), which ioredis resolves from
 * `{ profile }`; spreading the string itself would turn it into `{ 0: 'R', 1: 'e', ... }`.
 */
function mergeTls(implied: RedisOptions['tls'], given: RedisOptions['tls']): RedisOptions['tls'] {
  if (given === undefined) return implied
  if (implied === undefined) return given
  return { ...tlsObject(implied), ...tlsObject(given) }
}

function tlsObject(tls: NonNullable<RedisOptions['tls']>) {
  return typeof tls === 'string' ? { profile: tls } : tls
}

/** Passwords in ioredis options, for redaction. */
function passwordsOf(options: Partial<RedisOptions> | undefined): string[] {
  return [options?.password, options?.sentinelPassword].filter(
    (value): value is string => typeof value === 'string' && value !== '',
  )
}

/** Passwords a caller's client was configured with (its own, or its Cluster nodes'), for redaction. */
function clientSecrets(client: RedisClient): string[] {
  const options = (client as { options?: Partial<RedisOptions> & { redisOptions?: Partial<RedisOptions> } })
    .options
  return [...passwordsOf(options), ...passwordsOf(options?.redisOptions)]
}

/** Exponential backoff from 50 ms with jitter, capped; returning a number means "keep reconnecting". */
export function backoffMs(attempt: number, maxDelayMs: number): number {
  const base = 50 * 2 ** Math.min(Math.max(attempt - 1, 0), 20)
  return Math.min(base + Math.floor(Math.random() * 50), maxDelayMs)
}

function positive(
  factory: string,
  name: 'connectTimeoutMs' | 'reconnectMaxDelayMs' | 'socketTimeoutMs',
  value: number | undefined,
): number {
  const resolved = value ?? CONNECTION_DEFAULTS[name]
  if (typeof resolved !== 'number' || !Number.isFinite(resolved) || resolved <= 0) {
    throw new ValidationError(
      `${factory} option ${name} must be a positive number of milliseconds, got ${String(resolved)}`,
      'INVALID_OPTION',
    )
  }
  return resolved
}

/** Parses a redis:// or rediss:// URL; messages never echo the URL, which may hold a password. */
export function parseRedisUrl(factory: string, url: string): { options: RedisOptions; secrets: string[] } {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    throw new ValidationError(`${factory} option url is not a valid URL`, 'INVALID_OPTION')
  }
  const scheme = parsed.protocol
  if (scheme !== 'redis:' && scheme !== 'rediss:') {
    throw new ValidationError(
      `${factory} option url must start with redis:// or rediss://, got ${scheme}//`,
      'INVALID_OPTION',
    )
  }
  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1') || 'localhost'
  const port = parsed.port === '' ? 6379 : Number(parsed.port)
  const path = parsed.pathname.replace(/^\//, '')
  if (path !== '' && !/^\d+$/.test(path)) {
    throw new ValidationError(
      `${factory} option url: database must be a number (redis://host/0)`,
      'INVALID_OPTION',
    )
  }
  const options: RedisOptions = { host, port, db: path === '' ? 0 : Number(path) }
  const secrets: string[] = []
  if (parsed.username) options.username = decodeURIComponent(parsed.username)
  if (parsed.password) {
    options.password = decodeURIComponent(parsed.password)
    secrets.push(options.password, parsed.password)
  }
  if (scheme === 'rediss:') options.tls = isIp(host) ? {} : { servername: host }
  return { options, secrets }
}

function isIp(host: string): boolean {
  return /^[\d.]+$/.test(host) || host.includes(':')
}
