import { defineConfig } from 'tsup'

/**
 * The bench runs as plain JavaScript: a full run starts ~200 fresh child processes, and loading
 * them through tsx cost about 0.25 s each (a minute of a full run). Dependencies stay external, so
 * `@cache/*` resolves to the packages' own dist, as for a user.
 */
export default defineConfig({
  entry: ['src/main.ts', 'src/child.ts'],
  format: ['esm'],
  platform: 'node',
  target: 'node20',
  clean: true,
  // Each target's module is its own chunk, imported only by the children that run it.
  splitting: true,
})
