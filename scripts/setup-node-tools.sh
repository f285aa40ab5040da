#!/usr/bin/env bash
# Installs the JavaScript build tools that tests of the built-in serverless-esbuild and
# serverless-plugin-typescript equivalents call (esbuild, tsc), pinned by
# tools/node/package-lock.json, into tools/node/node_modules. Idempotent.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dir="$root/tools/node"
if [ -x "$dir/node_modules/.bin/esbuild" ] && [ -x "$dir/node_modules/.bin/tsc" ] \
  && [ "$dir/node_modules/.package-lock.json" -nt "$dir/package-lock.json" ]; then
  exit 0
fi
command -v npm >/dev/null || { echo "npm is required to install esbuild and typescript for the tests" >&2; exit 1; }
echo "Installing esbuild and typescript into $dir/node_modules …" >&2
(cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
"$dir/node_modules/.bin/esbuild" --version >/dev/null
