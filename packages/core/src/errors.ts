/** Stable codes callers can branch on (never on message text). */
export type CacheErrorCode =
  | 'VALIDATION'
  | 'INVALID_KEY'
  | 'INVALID_VALUE'
  | 'INVALID_TTL'
  | 'ENTRY_TOO_LARGE'
  | 'INVALID_OPTION'
  | 'CONFIGURATION'
  | 'INFRASTRUCTURE'
  | 'CONNECTION'
  | 'TIMEOUT'
  | 'CIRCUIT_OPEN'
  | 'CORRUPT_ENTRY'
  | 'CLOSED'
  | 'INVALID_LOADER_RESULT'

/** Base class of every error the library throws. */
export class CacheError extends Error {
  readonly code: CacheErrorCode
  constructor(message: string, code: CacheErrorCode, options?: { cause?: unknown }) {
    super(message, options)
    this.name = new.target.name
    this.code = code
  }
}

/** Bad input from the caller: a key, a value, a TTL or an option. The cache is left unchanged. */
export class ValidationError extends CacheError {
  constructor(message: string, code: CacheErrorCode = 'VALIDATION', options?: { cause?: unknown }) {
    super(message, code, options)
  }
}

/** An invalid preset or configuration object. */
export class ConfigurationError extends CacheError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, 'CONFIGURATION', options)
  }
}

/** A backend failed: unreachable, timed out, or skipped because its circuit is open. */
export class InfrastructureError extends CacheError {
  constructor(message: string, code: CacheErrorCode = 'INFRASTRUCTURE', options?: { cause?: unknown }) {
    super(message, code, options)
  }
}

/** Bytes read from a store that cannot be decoded; the cache treats the entry as a miss. */
export class CorruptEntryError extends CacheError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, 'CORRUPT_ENTRY', options)
  }
}

/** Shortens and quotes user input for error messages. */
export function describeInput(input: unknown): string {
  let text: string
  try {
    text = typeof input === 'string' ? JSON.stringify(input) : String(input)
  } catch {
    text = Object.prototype.toString.call(input)
  }
  return text.length > 80 ? `${text.slice(0, 77)}...` : text
}
