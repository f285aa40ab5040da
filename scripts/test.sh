#!/usr/bin/env bash
# The whole test suite, as CI runs it: installs what the tests need (moto server
# in .venv-moto), then formatting, lints with warnings denied, and every test.
#
# Where the time went on a clean clone (2 cores, see README "Tests"): the
# dependency graph (the AWS SDK above all) was compiled twice, once by
# `cargo clippy` (check mode) and once by `cargo test`, and the test binaries
# then ran one after the other. Now:
# - one compilation serves lints and tests: clippy-driver is the rustc of the
#   workspace's own crates (RUSTC_WORKSPACE_WRAPPER, exactly what `cargo clippy`
#   sets up, with the same `-D warnings`), so `cargo test --no-run` lints and
#   builds in one pass and the dependencies are compiled once;
# - `cargo nextest` runs the tests of all binaries in parallel, after
#   `cargo test --doc` for the doctests nextest skips (plain `cargo test` when
#   nextest is not installed). nextest's summary line is the last word.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

# Tests must never reach a real AWS or the instance-metadata address.
export AWS_EC2_METADATA_DISABLED=true

# Every tool the tests run is installed here, pinned with hashes (tools/*/); a test never skips
# itself because a tool is missing, so a missing one stops the run here, named.
scripts/setup-moto.sh
scripts/setup-awscli.sh
scripts/setup-node-tools.sh
scripts/setup-plugins.sh
command -v node >/dev/null || { echo "node (18 or newer) is required by the invoke local and plugin tests" >&2; exit 1; }
command -v npm >/dev/null || { echo "npm is required by the npm package tests (crates/sls-cli/tests/it/install.rs)" >&2; exit 1; }
for py in python3 python3.11; do
  "$py" -m pip --version >/dev/null 2>&1 \
    || { echo "$py with pip is required: the python-requirements tests run the real pip (fixtures use python3.11)" >&2; exit 1; }
done

# CI builds from a clean clone: incremental compilation would only write caches nobody reads.
if [ -n "${CI:-}" ]; then
  export CARGO_INCREMENTAL=0
fi

echo "== cargo fmt --check" >&2
cargo fmt --all -- --check

driver="$(rustc --print sysroot)/bin/clippy-driver"
if [ -x "$driver" ]; then
  echo "== cargo clippy + test build in one pass (warnings denied)" >&2
  # What cargo-clippy itself exports; CLIPPY_ARGS holds `-D warnings`.
  export RUSTC_WORKSPACE_WRAPPER="$driver"
  export CLIPPY_ARGS="-D__CLIPPY_HACKERY__warnings__CLIPPY_HACKERY__"
  cargo test --workspace --all-targets --no-run
else
  echo "== cargo clippy (warnings denied)" >&2
  cargo clippy --workspace --all-targets -- -D warnings
fi

if cargo nextest --version >/dev/null 2>&1; then
  echo "== cargo test --doc" >&2
  cargo test --workspace --doc
  echo "== cargo nextest run" >&2
  cargo nextest run --workspace --no-fail-fast
else
  echo "== cargo test (cargo-nextest not installed)" >&2
  cargo test --workspace
fi
