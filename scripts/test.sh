#!/usr/bin/env bash
# The whole test suite, as CI runs it: installs what the tests need (moto server
# in .venv-moto), then formatting, lints with warnings denied, and every test.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

# Tests must never reach a real AWS or the instance-metadata address.
export AWS_EC2_METADATA_DISABLED=true

scripts/setup-moto.sh
command -v node >/dev/null || { echo "node is required by the invoke local tests" >&2; exit 1; }
command -v python3 >/dev/null || { echo "python3 is required" >&2; exit 1; }

echo "== cargo fmt --check" >&2
cargo fmt --all -- --check
echo "== cargo clippy (warnings denied)" >&2
cargo clippy --workspace --all-targets -- -D warnings
echo "== cargo test" >&2
cargo test --workspace
