#!/usr/bin/env bash
# Benchmarks `package` and `invoke local` of the serverless-esbuild fixture
# (crates/sls-deploy/tests/fixtures/esbuild/service: two TypeScript functions) with sls's
# built-in serverless-esbuild against Serverless Framework v3 + the real plugin, side by side
# with hyperfine, on the same service folder (its node_modules holds serverless-esbuild 1.57.2
# and esbuild 0.25.12, installed once with npm: needs network the first time).
# cold: the first run in a fresh copy of the service (no .serverless/, no .esbuild/, nothing of
# node's or the plugin's in memory from an earlier run of this copy); warm: repeated runs.
# Numbers go into closing notes, never into assertions.
# Usage: scripts/bench-esbuild.sh   (v3 in $V3, default /tmp/v3; the node_modules are cached
# in $ESB_MODULES, default /tmp/sls-bench-esbuild-modules)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
command -v hyperfine >/dev/null || { echo "hyperfine is needed: apt-get install -y hyperfine" >&2; exit 1; }
v3=${V3:-/tmp/v3}/node_modules/.bin/serverless
[ -x "$v3" ] || { echo "Serverless Framework v3 is needed in ${V3:-/tmp/v3} (npm install --prefix /tmp/v3 serverless@3)" >&2; exit 1; }
(cd "$root" && cargo build --release --quiet -p sls-cli)
sls="$root/target/release/sls"
modules=${ESB_MODULES:-/tmp/sls-bench-esbuild-modules}
if [ ! -d "$modules/node_modules/serverless-esbuild" ]; then
  mkdir -p "$modules"
  cp "$root/crates/sls-deploy/tests/fixtures/esbuild/service/package.json" "$modules/"
  (cd "$modules" && npm install --no-audit --no-fund --loglevel=error >/dev/null)
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for v in $(env | grep -oE '^AWS_[A-Z0-9_-]+' || true); do unset "$v"; done
export HOME="$work/home" AWS_EC2_METADATA_DISABLED=true SLS_TELEMETRY_DISABLED=1 SLS_NOTIFICATIONS_MODE=off
export AWS_ACCESS_KEY_ID=AKIABENCH00000000001 AWS_SECRET_ACCESS_KEY=bench-secret
mkdir -p "$HOME"
fresh() { # <dir>: a fresh copy of the service with the plugin's node_modules
  rm -rf "$1"; cp -r "$root/crates/sls-deploy/tests/fixtures/esbuild/service" "$1"
  ln -s "$modules/node_modules" "$1/node_modules"
}
fresh "$work/svc"
cd "$work/svc"

echo "## package, cold (first run in a fresh copy; 5 copies each)"
hyperfine --runs 5 --export-markdown "$work/cold.md" \
  --prepare "cd $work && rm -rf $work/svc && cp -r $root/crates/sls-deploy/tests/fixtures/esbuild/service $work/svc && ln -s $modules/node_modules $work/svc/node_modules" \
  -n "sls (built-in serverless-esbuild)" "cd $work/svc && $sls package" \
  -n "v3 + serverless-esbuild" "cd $work/svc && $v3 package"
cat "$work/cold.md"

# The cold runs replaced the folder: enter the fresh copy.
cd "$work/svc"
echo "## package, warm"
hyperfine --warmup 2 --min-runs 10 --export-markdown "$work/warm.md" \
  -n "sls (built-in serverless-esbuild)" "$sls package" \
  -n "v3 + serverless-esbuild" "$v3 package"
cat "$work/warm.md"

echo "## invoke local -f hello, warm"
hyperfine --warmup 2 --min-runs 10 --export-markdown "$work/invoke.md" \
  -n "sls (built-in serverless-esbuild)" "$sls invoke local -f hello -d '{\"name\":\"b\"}'" \
  -n "v3 + serverless-esbuild" "$v3 invoke local -f hello -d '{\"name\":\"b\"}'"
cat "$work/invoke.md"
