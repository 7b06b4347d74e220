import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { installedReadmes, proseResponses } from '../scripts/prose-corpus'
import { llmResponse } from '../src/lib/values'

const root = mkdtempSync(join(tmpdir(), 'prose-store-'))
afterAll(() => rmSync(root, { recursive: true, force: true }))

/** A store laid out as pnpm's: `<name>@<version>/node_modules/<name>`, dependencies as symlinks. */
function fakeStore(): string {
  const store = join(root, '.pnpm')
  if (existsSync(store)) return `${store}/`
  const readme = (dir: string, file: string, text: string) => {
    mkdirSync(dir, { recursive: true })
    writeFileSync(join(dir, file), text)
  }
  readme(join(store, 'alpha@1.0.0/node_modules/alpha'), 'README.md', 'alpha one')
  readme(join(store, 'alpha@2.0.0/node_modules/alpha'), 'README.md', 'alpha two')
  readme(join(store, '@scope+beta@1.0.0/node_modules/@scope/beta'), 'readme.md', 'beta')
  mkdirSync(join(store, 'gamma@1.0.0/node_modules/gamma'), { recursive: true })
  // Dependency links, a plain and a scoped one, to packages outside the store: neither is read.
  readme(join(root, 'linked/delta'), 'README.md', 'delta')
  readme(join(root, 'linked/@other/epsilon'), 'README.md', 'epsilon')
  symlinkSync(join(root, 'linked/delta'), join(store, 'alpha@1.0.0/node_modules/delta'))
  symlinkSync(join(root, 'linked/@other'), join(store, 'alpha@1.0.0/node_modules/@other'))
  writeFileSync(join(store, 'lock.yaml'), '')
  return `${store}/`
}

describe('installedReadmes', () => {
  it('reads each package once, scoped ones too, skipping links and packages without a README', () => {
    expect(installedReadmes(fakeStore())).toEqual(['beta', 'alpha one'])
  })

  it('says so when nothing is installed', () => {
    expect(() => installedReadmes(join(root, 'missing/'))).toThrow(/no pnpm store .*run pnpm install/)
  })

  it("reads this workspace's store the same way every time", () => {
    const texts = installedReadmes()
    expect(texts.length).toBeGreaterThan(50)
    expect(installedReadmes()).toEqual(texts)
  })
})

describe('proseResponses', () => {
  it('cuts the READMEs into chat completions of the size asked, shaped as W5 responses', () => {
    const responses = proseResponses(100_000)
    expect(responses.length).toBeGreaterThanOrEqual(10)
    const contents = responses.map(
      (r) => (r.choices as { message: { content: string } }[])[0]!.message.content,
    )
    for (const content of contents) expect(content).toHaveLength(100_000)
    expect(new Set(contents).size).toBe(contents.length)
    expect(Object.keys(responses[0]!)).toEqual(Object.keys(llmResponse(100_000, 1)))
    expect(proseResponses(100_000, 3)).toEqual(responses.slice(0, 3))
  })

  it('makes as many as asked from the text in order, and refuses more than the READMEs hold', () => {
    const pieces = proseResponses(4, 3, fakeStore())
    expect(pieces.map((r) => (r.choices as { message: { content: string } }[])[0]!.message.content)).toEqual([
      'beta',
      '\n\nal',
      'pha ',
    ])
    expect(() => proseResponses(4, 4, fakeStore())).toThrow(
      'the installed READMEs hold 3 pieces of 4 characters, 4 asked',
    )
    expect(() => proseResponses(1_000, undefined, fakeStore())).toThrow('hold 0 pieces')
  })
})
