import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { chatCompletion } from '../src/lib/values'

/** pnpm's package store of the workspace: one real directory per installed package version. */
const STORE = fileURLToPath(new URL('../../../node_modules/.pnpm/', import.meta.url))
const README_NAMES = ['README.md', 'readme.md', 'Readme.md']

/** Real (not symlinked) package directories in one store entry's `node_modules`, scoped ones too. */
function packageDirs(modules: string): { name: string; dir: string }[] {
  const found: { name: string; dir: string }[] = []
  for (const entry of readdirSync(modules, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue
    if (!entry.name.startsWith('@')) {
      found.push({ name: entry.name, dir: join(modules, entry.name) })
      continue
    }
    for (const scoped of readdirSync(join(modules, entry.name), { withFileTypes: true })) {
      if (scoped.isDirectory())
        found.push({ name: `${entry.name}/${scoped.name}`, dir: join(modules, entry.name, scoped.name) })
    }
  }
  return found
}

/**
 * The README of every installed package, once per package name, in store order: human-written markdown
 * (prose, lists, code), fixed by the lockfile, so every clone reads the same text.
 */
export function installedReadmes(store = STORE): string[] {
  if (!existsSync(store)) throw new Error(`no pnpm store at ${store}: run pnpm install first`)
  const seen = new Set<string>()
  const texts: string[] = []
  for (const version of readdirSync(store).sort()) {
    const modules = join(store, version, 'node_modules')
    if (!existsSync(modules)) continue
    for (const { name, dir } of packageDirs(modules)) {
      if (seen.has(name)) continue
      const readme = README_NAMES.map((file) => join(dir, file)).find((path) => existsSync(path))
      if (readme === undefined) continue
      seen.add(name)
      texts.push(readFileSync(readme, 'utf8'))
    }
  }
  return texts
}

/**
 * Chat completions (the shape of W5's) whose answers are consecutive `chars`-character pieces of the
 * installed packages' READMEs: `count` of them, or as many as the READMEs hold. Throws when they hold
 * fewer than `count` (or none).
 */
export function proseResponses(chars: number, count?: number, store = STORE): Record<string, unknown>[] {
  const text = installedReadmes(store).join('\n\n')
  const available = Math.floor(text.length / chars)
  count ??= available
  if (available < Math.max(count, 1))
    throw new Error(`the installed READMEs hold ${available} pieces of ${chars} characters, ${count} asked`)
  return Array.from({ length: count }, (_, i) =>
    chatCompletion(text.slice(i * chars, (i + 1) * chars), i + 1),
  )
}
