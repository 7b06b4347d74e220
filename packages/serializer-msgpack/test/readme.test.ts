import { readFileSync } from 'node:fs'
import { JSON_SERIALIZER_EXPECTATIONS, serializerTypeTable } from '@cache/conformance'
import { expect, test } from 'vitest'
import { MSGPACK_EXPECTATIONS } from './expectations'

// Cells trimmed and rules shortened, so column padding added by the formatter does not matter.
const normalize = (table: string) =>
  table
    .trim()
    .split('\n')
    .map((line) =>
      line
        .split('|')
        .map((cell) => cell.trim().replace(/^-+$/, '---'))
        .join('|'),
    )

test('the README type table matches what the conformance suite checks', () => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8')
  const inReadme = readme.split('<!-- type-table:start -->')[1]?.split('<!-- type-table:end -->')[0] ?? ''
  const table = serializerTypeTable({
    msgpackSerializer: MSGPACK_EXPECTATIONS,
    'jsonSerializer (default)': JSON_SERIALIZER_EXPECTATIONS,
  })
  expect(normalize(inReadme)).toEqual(normalize(table))
})
