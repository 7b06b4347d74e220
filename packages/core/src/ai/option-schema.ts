import { describeInput, ValidationError } from '../errors'

/** Type of one option value. */
export type OptionType = 'string' | 'number' | 'integer' | 'boolean' | 'string[]'

/** One declared option of an operation. */
export interface OptionSpec {
  type: OptionType
  /** Allowed values, when the option is an enumeration. */
  values?: readonly (string | number)[]
  /** Filled in when the caller leaves the option out, so `{}` and `{ style: default }` share a key. */
  default?: unknown
  required?: boolean
}

/** Declared options of one operation: a spec or just a type per option name. */
export type OptionSchema = Readonly<Record<string, OptionSpec | OptionType>>

/** Option schemas per operation; operations without one accept any options. */
export type OptionSchemas = Readonly<Record<string, OptionSchema>>

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0]!
    row[0] = i
    for (let j = 1; j <= b.length; j++) {
      const above = row[j]!
      row[j] = Math.min(above + 1, row[j - 1]! + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1))
      diagonal = above
    }
  }
  return row[b.length]!
}

function suggestion(name: string, known: string[]): string {
  const lower = name.toLowerCase()
  const close = known.find(
    (k) => k.toLowerCase().includes(lower) || lower.includes(k.toLowerCase()) || editDistance(k, name) <= 2,
  )
  return close ? ` (did you mean "${close}"?)` : ''
}

function matches(type: OptionType, value: unknown): boolean {
  switch (type) {
    case 'string':
      return typeof value === 'string'
    case 'number':
      return typeof value === 'number' && Number.isFinite(value)
    case 'integer':
      return Number.isInteger(value)
    case 'boolean':
      return typeof value === 'boolean'
    case 'string[]':
      return Array.isArray(value) && value.every((v) => typeof v === 'string')
  }
}

/**
 * Checks `options` of `operation` against its schema and fills declared defaults. An unknown option
 * (such as `length` where the schema says `max_length`), a wrong type or a missing required option
 * throws a `ValidationError`, instead of silently producing a key that never hits.
 */
export function normalizeOptions(
  operation: string,
  options: Readonly<Record<string, unknown>> | undefined,
  schemas: OptionSchemas | undefined,
): Record<string, unknown> {
  const given = options ?? {}
  if (typeof given !== 'object' || given === null || Array.isArray(given)) {
    throw new ValidationError(
      `Options of operation "${operation}" must be an object, got ${describeInput(given)}`,
      'INVALID_OPTION',
    )
  }
  const schema = schemas?.[operation]
  if (!schema) return { ...given }
  const known = Object.keys(schema)
  const result: Record<string, unknown> = {}
  for (const [name, value] of Object.entries(given)) {
    if (value === undefined) continue
    const raw = schema[name]
    if (raw === undefined) {
      throw new ValidationError(
        `Unknown option "${name}" for operation "${operation}"${suggestion(name, known)}; expected one of: ${known.join(', ')}`,
        'INVALID_OPTION',
      )
    }
    const spec = typeof raw === 'string' ? { type: raw } : raw
    if (!matches(spec.type, value) || (spec.values && !spec.values.includes(value as string | number))) {
      const expected = spec.values ? `one of ${spec.values.join(', ')}` : `a ${spec.type}`
      throw new ValidationError(
        `Option "${name}" of operation "${operation}" is ${describeInput(value)}: expected ${expected}`,
        'INVALID_OPTION',
      )
    }
    result[name] = value
  }
  for (const [name, raw] of Object.entries(schema)) {
    if (result[name] !== undefined || typeof raw === 'string') continue
    if (raw.default !== undefined) result[name] = raw.default
    else if (raw.required) {
      throw new ValidationError(`Option "${name}" of operation "${operation}" is required`, 'INVALID_OPTION')
    }
  }
  return result
}
