#!/usr/bin/env bash
# Benchmarks `package` with sls's built-in serverless-plugin-typescript and
# serverless-plugin-include-dependencies against Serverless Framework v3 + the real plugins,
# side by side with hyperfine, on the same fixture services
# (crates/sls-deploy/tests/fixtures/plugin-typescript and plugin-include-dependencies), and
# `invoke local` of the TypeScript one.
# cold: the first run in a fresh copy of the service (no .serverless/, no .build/);
# warm: repeated runs in one copy. Numbers go into closing notes, never into assertions.
# Needs: hyperfine; v3 and the plugins in $V3P (default /tmp/v3p: `npm install serverless@3
# serverless-plugin-typescript@2.1.5 serverless-plugin-include-dependencies@6.1.1
# typescript@5.9.3`); tools/node/node_modules (scripts/setup-node-tools.sh).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
command -v hyperfine >/dev/null || { echo "hyperfine is needed: apt-get install -y hyperfine" >&2; exit 1; }
v3p=${V3P:-/tmp/v3p}
v3="$v3p/node_modules/.bin/serverless"
[ -x "$v3" ] || { echo "Serverless Framework v3 and the plugins are needed in $v3p (see the header)" >&2; exit 1; }
(cd "$root" && cargo build --release --quiet -p sls-cli)
sls="$root/target/release/sls"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for v in $(env | grep -oE '^AWS_[A-Z0-9_-]+' || true); do unset "$v"; done
export HOME="$work/home" AWS_EC2_METADATA_DISABLED=true SLS_TELEMETRY_DISABLED=1 SLS_NOTIFICATIONS_MODE=off
export AWS_ACCESS_KEY_ID=AKIABENCH00000000001 AWS_SECRET_ACCESS_KEY=bench-secret
mkdir -p "$HOME"
# fresh <case> <dir>: a copy of the fixture service with the plugin(s) it lists linked from
# the v3 install and the pinned typescript linked from tools/node.
fresh() {
  rm -rf "$2"; cp -r "$root/crates/sls-deploy/tests/fixtures/$1/service" "$2"
  mkdir -p "$2/node_modules"
  for p in serverless-plugin-typescript serverless-plugin-include-dependencies; do
    if grep -q "\"$p\"" "$2/package.json"; then ln -s "$v3p/node_modules/$p" "$2/node_modules/$p"; fi
  done
  if grep -q '"typescript"' "$2/package.json"; then
    ln -s "$root/tools/node/node_modules/typescript" "$2/node_modules/typescript"
  fi
}
export -f fresh
export root v3p

for case in plugin-typescript plugin-include-dependencies; do
  echo "## $case: package, cold (first run in a fresh copy)"
  hyperfine --shell bash --runs 5 --export-markdown "$work/cold.md" \
    --prepare "fresh $case $work/svc" \
    -n "sls (built-in)" "cd $work/svc && $sls package" \
    -n "v3 + plugin" "cd $work/svc && $v3 package"
  cat "$work/cold.md"
  echo "## $case: package, warm"
  fresh "$case" "$work/svc"
  (cd "$work/svc" && hyperfine --warmup 2 --min-runs 10 --export-markdown "$work/warm.md" \
    -n "sls (built-in)" "$sls package" \
    -n "v3 + plugin" "$v3 package")
  cat "$work/warm.md"
done

echo "## plugin-typescript: invoke local -f hello, warm"
fresh plugin-typescript "$work/svc"
(cd "$work/svc" && hyperfine --warmup 2 --min-runs 10 --export-markdown "$work/invoke.md" \
  -n "sls (built-in)" "$sls invoke local -f hello -d '{\"name\":\"b\"}'" \
  -n "v3 + plugin" "$v3 invoke local -f hello -d '{\"name\":\"b\"}'")
cat "$work/invoke.md"
