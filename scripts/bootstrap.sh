#!/usr/bin/env bash
# Installs what the project needs on a fresh machine with only Node 20 and npm:
# pnpm 10 (corepack is not used: its signature check fails on some machines) and the workspace's packages.
set -euo pipefail
cd "$(dirname "$0")/.."

want=$(node -p "require('./package.json').packageManager.split('@')[1]")
export PATH="$HOME/.local/bin:$PATH"
if ! command -v pnpm >/dev/null 2>&1 || [ "$(pnpm --version 2>/dev/null)" != "$want" ]; then
  echo "bootstrap: installing pnpm@$want"
  npm install --global "pnpm@$want" >/dev/null 2>&1 || npm install --global --prefix "$HOME/.local" "pnpm@$want"
fi

if [ "${CI:-}" = "true" ]; then
  pnpm install --frozen-lockfile
else
  pnpm install --prefer-offline
fi
