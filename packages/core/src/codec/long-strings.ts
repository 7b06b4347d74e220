import { isWellFormed, RoomyWriter, utf8Decode } from '../bytes'

/**
 * Strings from this many characters up are stored as raw UTF-8 beside the JSON instead of inside it.
 * V8's `JSON.stringify` before V8 12 copies a string one character at a time (about 2.7 ns per
 * character here: 265 µs for a 100 KB LLM answer, against 4 µs for `encodeInto`), and `JSON.parse`
 * rescans it (46 µs against 9 µs for `TextDecoder`).
 */
export const LONG_STRING_CHARS = 2048

/**
 * First byte of a payload with long strings beside its JSON. JSON text never starts with it, so plain
 * JSON payloads (and entries written before this format) read as before.
 */
export const LONG_STRINGS_MARKER = 0x01

type Path = (string | number)[]

interface Hollowed {
  strings: string[]
  paths: Path[]
}

// A string with a lone surrogate stays inside the JSON, which keeps it as `\udXXX`: `encodeInto` would
// write U+FFFD.

/**
 * `value` (plain JSON data, already checked) with each long string replaced by `null`, sharing every
 * part that holds none; the strings and where they were go to `out`, in the order they were found.
 */
function hollow(value: unknown, path: Path, out: Hollowed): unknown {
  if (typeof value === 'string') {
    if (value.length < LONG_STRING_CHARS || !isWellFormed(value)) return value
    out.strings.push(value)
    out.paths.push(path.slice())
    return null
  }
  if (value === null || typeof value !== 'object') return value
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined
    for (let i = 0; i < value.length; i++) {
      path.push(i)
      const item = hollow(value[i], path, out)
      path.pop()
      if (item !== value[i]) {
        copy ??= value.slice()
        copy[i] = item
      }
    }
    return copy ?? value
  }
  const record = value as Record<string, unknown>
  let copy: Record<string, unknown> | undefined
  for (const key in record) {
    // Assigning `__proto__` would set the copy's prototype instead of a field: that part stays JSON.
    if (key === '__proto__') continue
    path.push(key)
    const field = hollow(record[key], path, out)
    path.pop()
    if (field !== record[key]) {
      copy ??= { ...record }
      copy[key] = field
    }
  }
  return copy ?? record
}

/**
 * Serializes plain data holding long strings as `0x01, the strings' UTF-8 one after another, the JSON of
 * [value with each long string as null, their paths, their byte lengths], that JSON's byte length as a
 * 32-bit big-endian integer`. Returns `undefined` when no long string can be taken out.
 */
export function serializeWithLongStrings(value: unknown): Uint8Array | undefined {
  const out: Hollowed = { strings: [], paths: [] }
  const skeleton = hollow(value, [], out)
  if (out.strings.length === 0) return undefined
  let expected = 64
  for (const text of out.strings) expected += text.length
  const writer = new RoomyWriter(expected)
  writer.byte(LONG_STRINGS_MARKER)
  const lengths = out.strings.map((text) => writer.text(text))
  const header = JSON.stringify([skeleton, out.paths, lengths])
  writer.uint32(writer.text(header))
  return writer.finish()
}

function corrupt(why: string): never {
  throw new Error(`Corrupt long-string payload: ${why}`)
}

const isIndex = (step: unknown, of: unknown[]): step is number =>
  typeof step === 'number' && Number.isInteger(step) && step >= 0 && step < of.length

/** The container at `path` in `root` and the last step, checked to be an own slot of JSON data. */
function slot(root: unknown, path: unknown): [Record<string | number, unknown>, string | number] {
  if (!Array.isArray(path) || path.length === 0) corrupt('bad path')
  let container = root
  for (let i = 0; i < path.length; i++) {
    const step: unknown = path[i]
    const ok = Array.isArray(container)
      ? isIndex(step, container)
      : typeof container === 'object' &&
        container !== null &&
        typeof step === 'string' &&
        step !== '__proto__' &&
        Object.hasOwn(container, step)
    if (!ok) corrupt('path leaves the value')
    if (i === path.length - 1) return [container as Record<string | number, unknown>, step as string | number]
    container = (container as Record<string | number, unknown>)[step as string | number]
  }
  return corrupt('bad path')
}

/** Reads what {@link serializeWithLongStrings} wrote; throws on anything else (the codec then reports a miss). */
export function deserializeWithLongStrings(bytes: Uint8Array): unknown {
  const end = bytes.length - 4
  if (end < 1) corrupt('too short')
  const headerBytes =
    ((bytes[end]! << 24) | (bytes[end + 1]! << 16) | (bytes[end + 2]! << 8) | bytes[end + 3]!) >>> 0
  const headerStart = end - headerBytes
  if (headerStart < 1) corrupt('bad header length')
  const header: unknown = JSON.parse(utf8Decode(bytes.subarray(headerStart, end)))
  if (!Array.isArray(header) || header.length !== 3) corrupt('bad header')
  const [skeleton, paths, lengths] = header as [unknown, unknown, unknown]
  if (
    !Array.isArray(paths) ||
    !Array.isArray(lengths) ||
    paths.length !== lengths.length ||
    paths.length === 0
  )
    corrupt('bad header')
  let root = skeleton
  let offset = 1
  for (let i = 0; i < paths.length; i++) {
    const length: unknown = lengths[i]
    if (
      typeof length !== 'number' ||
      !Number.isInteger(length) ||
      length < 0 ||
      offset + length > headerStart
    )
      corrupt('bad length')
    const text = utf8Decode(bytes.subarray(offset, offset + length))
    offset += length
    const path: unknown = paths[i]
    if (Array.isArray(path) && path.length === 0) {
      if (paths.length !== 1 || root !== null) corrupt('bad root')
      root = text
      continue
    }
    const [container, key] = slot(root, path)
    if (container[key] !== null) corrupt('slot taken')
    container[key] = text
  }
  if (offset !== headerStart) corrupt('stray bytes')
  return root
}
