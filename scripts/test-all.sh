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
pnpm test
