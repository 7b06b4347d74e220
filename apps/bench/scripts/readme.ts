// Puts the tables of a full bench run into the READMEs, so they always match `results/latest.json`:
//   pnpm --filter @cache/bench bench:readme --from <report.json>   make it the latest run, then render
//   pnpm --filter @cache/bench bench:readme                          render results/latest.json again
//   pnpm --filter @cache/bench bench:readme --check                  exit 1 if a README is stale
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { ReadmeError, updateReadmes } from '../src/readme'
import { WORKLOAD_LIST } from '../src/workloads/registry'

const benchDir = resolve(dirname(fileURLToPath(import.meta.url)), '..')
try {
  const { values } = parseArgs({ options: { from: { type: 'string' }, check: { type: 'boolean' } } })
  // pnpm runs this in apps/bench and names the caller's directory in INIT_CWD, as `--out` of the bench.
  const from =
    values.from === undefined ? undefined : resolve(process.env.INIT_CWD ?? process.cwd(), values.from)
  const options = { ...(from === undefined ? {} : { from }), check: values.check ?? false }
  const stale = updateReadmes({ benchDir, rootDir: resolve(benchDir, '../..') }, WORKLOAD_LIST, options)
  for (const { path, block } of stale)
    console.log(`${values.check ? 'stale' : 'updated'}: ${path} (bench:${block})`)
  if (stale.length === 0) console.log('READMEs match results/latest.json')
  if (values.check && stale.length > 0) process.exitCode = 1
} catch (error) {
  if (!(error instanceof ReadmeError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')))
    throw error
  console.error((error as Error).message)
  process.exitCode = 2
}
