#!/usr/bin/env bash
# The one command that sets up a fresh machine and runs every check: install, lint, build, typecheck, tests.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
export PATH="$HOME/.local/bin:$PATH"
bash scripts/ensure-redis.sh
pnpm lint
pnpm build
pnpm typecheck

results=$(mktemp -t vitest-results.XXXXXX.json)
status=0
pnpm exec vitest run --reporter=default --reporter=json --outputFile.json="$results" || status=$?
# One plain closing line with the counts, whatever the reporter printed above it.
node -e '
  const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"))
  const skipped = r.numPendingTests + r.numTodoTests
  console.log(`tests: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${skipped} skipped`)
' "$results" || true
rm -f "$results"
exit "$status"
