#!/usr/bin/env bash
# Installs the real Serverless plugins the plugin host's tests run (serverless-step-functions,
# serverless-lift, serverless-webpack and webpack, ...), pinned by tools/plugins/package-lock.json,
# into tools/plugins/node_modules with `npm ci`. The fixtures under
# crates/sls-cli/tests/fixtures/plugins/ link node_modules/<plugin> there.
# Idempotent: skips when node_modules/.sls-lock-sha256 holds the sha256 of the committed lock
# (written after a successful `npm ci`), so a changed lock reinstalls and an interrupted install
# is redone. serverless itself is not installed (tools/plugins/.npmrc: legacy-peer-deps).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dir="$root/tools/plugins"
stamp="$dir/node_modules/.sls-lock-sha256"
want=$(sha256sum "$dir/package-lock.json" | cut -d' ' -f1)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  exit 0
fi
command -v npm >/dev/null || { echo "npm is required to install the Serverless plugins the plugin host tests run" >&2; exit 1; }
echo "Installing the pinned Serverless plugins into $dir/node_modules …" >&2
rm -f "$stamp"
(cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
echo "$want" >"$stamp"
