import { type CacheErrorCode, InfrastructureError } from '@cache/core'

// Failures of the link itself (down, refused, auth, TLS); the breaker and health treat them as outages.
const CONNECTION_MESSAGE =
  /ECONNREFUSED|ECONNRESET|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|EPIPE|Connection is closed|Stream isn't writeable|not connected|MaxRetriesPerRequest|max retries per request|WRONGPASS|NOAUTH|invalid password|Socket timeout|Failed to refresh slots cache|None of startup nodes|Cluster isn't ready|CLUSTERDOWN|LOADING|certificate|SSL|TLS|socket disconnected/i
const CONNECTION_ERRNO = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
])

const OFFLINE = /Stream isn't writeable and enableOfflineQueue/

/** Replaces every secret in `text` (raw and URL-encoded) with `***`. */
export function redact(text: string, secrets: readonly string[]): string {
  let result = text
  for (const secret of secrets) {
    if (secret.length > 0) result = result.split(secret).join('***')
  }
  return result
}

/** The stable code of an ioredis failure: `TIMEOUT`, `CONNECTION` or `INFRASTRUCTURE`. */
export function classifyRedisError(error: unknown): CacheErrorCode {
  const message = error instanceof Error ? error.message : String(error)
  const errno = (error as { code?: unknown } | undefined)?.code
  if (/Command timed out/i.test(message)) return 'TIMEOUT'
  if ((typeof errno === 'string' && CONNECTION_ERRNO.has(errno)) || CONNECTION_MESSAGE.test(message)) {
    return 'CONNECTION'
  }
  return 'INFRASTRUCTURE'
}

/** What an error translation needs to know about the connection. */
export interface ErrorContext {
  readonly secrets: readonly string[]
  /** The last connection-level error the client reported, already redacted. */
  lastError(): string | undefined
  /** True while the client has a usable connection. */
  isReady(): boolean
}

/**
 * Turns an ioredis failure into an `InfrastructureError` that carries no secret. The cause is a copy
 * with a redacted message: ioredis attaches the failed command's arguments to reply errors, and for
 * `AUTH`/`HELLO` those are the credentials.
 */
export function toInfrastructureError(
  error: unknown,
  what: string,
  context: ErrorContext,
): InfrastructureError {
  if (error instanceof InfrastructureError) return error
  const original = error instanceof Error ? error : new Error(String(error))
  // ioredis's wording for "no offline queue and no connection" names an option the user never set.
  const raw = OFFLINE.test(original.message) ? 'not connected' : original.message
  const message = redact(raw, context.secrets)
  let code = classifyRedisError(original)
  const lastError = context.isReady() ? undefined : context.lastError()
  if (lastError !== undefined && code === 'INFRASTRUCTURE') code = 'CONNECTION'
  const detail = lastError !== undefined && lastError !== message ? ` (connection: ${lastError})` : ''
  const cause = new Error(message)
  cause.name = original.name
  const errno = (original as { code?: unknown }).code
  if (typeof errno === 'string') Object.assign(cause, { code: errno })
  return new InfrastructureError(`${what} failed: ${message}${detail}`, code, { cause })
}
