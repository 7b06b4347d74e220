#!/usr/bin/env bash
# Sets up a fresh machine and starts the demo (in memory; on Redis when REDIS_URL is set).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
export PATH="$HOME/.local/bin:$PATH"
pnpm turbo run build --filter=@cache/demo...
exec node apps/demo/dist/main.js
