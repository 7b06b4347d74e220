import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'

// Biome's noNodejsModules catches imports; this also catches Node-only globals, so core stays edge-safe.
const FORBIDDEN = [
  {
    pattern: /from\s+['"](node:|fs|path|crypto|net|tls|os|events|buffer|stream|util|zlib|http)['"/]/,
    what: 'a Node import',
  },
  { pattern: /\brequire\(/, what: 'require()' },
  { pattern: /\bBuffer\./, what: 'Buffer' },
  { pattern: /\bprocess\./, what: 'process' },
  { pattern: /\b__dirname\b/, what: '__dirname' },
]

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    return statSync(path).isDirectory() ? sources(path) : path.endsWith('.ts') ? [path] : []
  })
}

// Core, and the compressor meant for edge runtimes next to it.
describe.each([
  ['@cache/core', '../src', 10],
  ['@cache/compression-fflate', '../../compression-fflate/src', 2],
])('%s runs on edge runtimes', (_, dir, least) => {
  const files = sources(join(__dirname, dir))
  it('has sources to check', () => expect(files.length).toBeGreaterThan(least))
  for (const file of files) {
    it(`${file.split('/packages/')[1]} uses no Node built-ins`, () => {
      const code = readFileSync(file, 'utf8')
        .split('\n')
        .filter((line) => !line.trim().startsWith('//') && !line.trim().startsWith('*'))
        .join('\n')
      for (const { pattern, what } of FORBIDDEN) expect(pattern.test(code), `${what} in ${file}`).toBe(false)
    })
  }
})
