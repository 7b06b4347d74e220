import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'

const run = promisify(execFile)
const here = dirname(fileURLToPath(import.meta.url))
const root = join(here, '../../..')

/** Code blocks preceded by `<!-- test: expected output -->` in a README. */
function testedBlocks(readme: string): { code: string; expected: string }[] {
  const blocks: { code: string; expected: string }[] = []
  const pattern = /<!-- test: (.*?) -->\s*```ts\n([\s\S]*?)```/g
  for (const match of readme.matchAll(pattern)) blocks.push({ expected: match[1]!, code: match[2]! })
  return blocks
}

describe('README examples run as written', () => {
  for (const file of [
    'README.md',
    'packages/core/README.md',
    'packages/memory/README.md',
    'packages/compression-node/README.md',
  ]) {
    const blocks = testedBlocks(readFileSync(join(root, file), 'utf8'))
    it(`${file} has tested examples`, () => {
      expect(blocks.length).toBeGreaterThan(0)
    })
    blocks.forEach((block, i) => {
      it(`${file} example ${i + 1} prints "${block.expected}"`, async () => {
        // Written inside apps/demo so `@cache/*` imports resolve like in a user's project.
        const dir = mkdtempSync(join(here, '..', '.readme-'))
        try {
          const script = join(dir, 'example.mts')
          writeFileSync(script, block.code)
          const { stdout } = await run(process.execPath, ['--conditions=source', '--import', 'tsx', script], {
            cwd: join(here, '..'),
            timeout: 20_000,
          })
          expect(stdout.trim()).toBe(block.expected)
        } finally {
          rmSync(dir, { recursive: true, force: true })
        }
      })
    })
  }
})
