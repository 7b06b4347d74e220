import { type Serializer, utf8Length, ValidationError } from '@cache/core'
import { describe, expect, it } from 'vitest'
import { TRICKY_VALUES } from './tricky-values'

/** How a serializer treats one tricky value: exact round trip, a `ValidationError`, or a documented change. */
export type SerializerExpectation = 'exact' | 'rejects' | { becomes: unknown; as: string }

/** Options for {@link serializerConformance}. */
export interface SerializerConformanceOptions {
  /** Declared behaviour per tricky value name (see `TRICKY_VALUES`); unlisted values must round-trip exactly. */
  expectations?: Readonly<Record<string, SerializerExpectation>>
}

function describeExpectation(expectation: SerializerExpectation): string {
  if (expectation === 'exact') return 'round-trips exactly'
  if (expectation === 'rejects') return 'rejected with `ValidationError`'
  return `becomes ${expectation.as}`
}

/** A markdown type table with one column per serializer, generated from declared expectations (for READMEs). */
export function serializerTypeTable(
  columns: Readonly<Record<string, SerializerConformanceOptions['expectations']>>,
): string {
  const names = Object.keys(columns)
  const rows = TRICKY_VALUES.map((tricky) => {
    const cells = names.map((n) => describeExpectation(columns[n]?.[tricky.name] ?? 'exact'))
    return `| ${tricky.label} | ${cells.join(' | ')} |`
  })
  return [`| Value | ${names.join(' | ')} |`, `| --- |${' --- |'.repeat(names.length)}`, ...rows].join('\n')
}

/**
 * Registers the vitest suite every `Serializer` must pass: each value of `TRICKY_VALUES` round-trips
 * exactly unless the serializer declares otherwise, results never share memory with stored bytes, and
 * returned bytes stay valid after later calls.
 */
export function serializerConformance(
  name: string,
  makeSerializer: () => Serializer,
  options: SerializerConformanceOptions = {},
): void {
  const expectations = options.expectations ?? {}

  describe(`serializer conformance: ${name}`, () => {
    it('has a stable, non-empty id of at most 255 bytes', () => {
      const { id } = makeSerializer()
      expect(typeof id).toBe('string')
      expect(id.length).toBeGreaterThan(0)
      expect(utf8Length(id)).toBeLessThanOrEqual(255)
      expect(makeSerializer().id).toBe(id)
    })

    it('declares expectations only for values of the table', () => {
      const known = new Set(TRICKY_VALUES.map((t) => t.name))
      expect(Object.keys(expectations).filter((n) => !known.has(n))).toEqual([])
    })

    for (const tricky of TRICKY_VALUES) {
      const expectation = expectations[tricky.name] ?? 'exact'
      it(`${tricky.label}: ${describeExpectation(expectation)}`, () => {
        const serializer = makeSerializer()
        if (expectation === 'rejects') {
          expect(() => serializer.serialize(tricky.make())).toThrow(ValidationError)
          return
        }
        const bytes = serializer.serialize(tricky.make())
        expect(bytes).toBeInstanceOf(Uint8Array)
        // Read by a fresh instance, as another process reading L2 would.
        const back = makeSerializer().deserialize(bytes)
        expect(back).toStrictEqual(expectation === 'exact' ? tricky.make() : expectation.becomes)
        expect(serializer.deserialize(bytes)).toStrictEqual(back)
      })
    }

    it('entries written by a long-lived instance are readable by a fresh one (another process)', () => {
      const writer = makeSerializer()
      const written = Array.from({ length: 50 }, (_, i) => writer.serialize({ id: i, tags: [{ k: i }] }))
      written.forEach((bytes, i) => {
        expect(makeSerializer().deserialize(bytes)).toStrictEqual({ id: i, tags: [{ k: i }] })
      })
    })

    it('returns bytes that later serializations never overwrite', () => {
      const serializer = makeSerializer()
      const first = serializer.serialize({ keep: 'me', n: [1, 2, 3] })
      const copy = first.slice()
      for (let i = 0; i < 300; i++) serializer.serialize({ i, text: 'x'.repeat((i * 997) % 70_000) })
      expect(first).toEqual(copy)
    })

    it('hands out independent results: mutating one changes neither the bytes nor the next', () => {
      const serializer = makeSerializer()
      const bytes = serializer.serialize({ list: [1, 2], nested: { a: 'x' } })
      const copy = bytes.slice()
      const first = serializer.deserialize(bytes) as { list: number[]; nested: { a: string } }
      first.list.push(3)
      first.nested.a = 'changed'
      expect(serializer.deserialize(bytes)).toStrictEqual({ list: [1, 2], nested: { a: 'x' } })
      expect(bytes).toEqual(copy)
    })

    if ((expectations.uint8array ?? 'exact') === 'exact') {
      it('returns binary values that do not alias the stored bytes', () => {
        const serializer = makeSerializer()
        const bytes = serializer.serialize({ data: new Uint8Array([1, 2, 3, 4]) })
        const copy = bytes.slice()
        const first = serializer.deserialize(bytes) as { data: Uint8Array }
        first.data.fill(0)
        expect(bytes).toEqual(copy)
        expect((serializer.deserialize(bytes) as { data: Uint8Array }).data).toEqual(
          new Uint8Array([1, 2, 3, 4]),
        )
      })
    }
  })
}
