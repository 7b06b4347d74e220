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

describe('@cache/core runs on edge runtimes', () => {
  const files = sources(join(__dirname, '../src'))
  it('has sources to check', () => expect(files.length).toBeGreaterThan(10))
  for (const file of files) {
    it(`${file.split('/src/')[1]} uses no Node built-ins`, () => {
      const code = readFileSync(file, 'utf8')
        .split('\n')
        .filter((line) => !line.trim().startsWith('//') && !line.trim().startsWith('*'))
        .join('\n')
      for (const { pattern, what } of FORBIDDEN) expect(pattern.test(code), `${what} in ${file}`).toBe(false)
    })
  }
})
