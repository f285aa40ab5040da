#!/usr/bin/env bash
# Packaging benchmark: sls-deploy vs `zip -r` vs `serverless package` (v3), with hyperfine.
# usage: crates/sls-deploy/benches/bench.sh [WORKDIR]
# Needs: python3, hyperfine, zip; v3 optional (SLS_V3=path/to/node_modules/.bin/serverless).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../../.." && pwd)
work=${1:-$(mktemp -d /tmp/sls-deploy-bench.XXXXXX)}
svc="$work/service"
if [ ! -d "$svc/node_modules" ]; then
  python3 "$here/gen_tree.py" "$svc"
fi
cat > "$work/config.json" <<'JSON'
{"service":"bench","provider":{"name":"aws","runtime":"nodejs18.x","stage":"dev","region":"us-east-1"},
 "functions":{"hello":{"handler":"handler.hello","events":[]}}}
JSON
(cd "$top" && cargo build --release -p sls-deploy --no-default-features --example package)
bin="${CARGO_TARGET_DIR:-$top/target}/release/examples/package"
cmds=(
  "$bin $svc $work/config.json"
  "cd $svc && rm -f $work/zipr.zip && zip -qr $work/zipr.zip . -x '.serverless/*'"
)
if [ -n "${SLS_V3:-}" ]; then
  cmds+=("cd $svc && SLS_TELEMETRY_DISABLED=1 SLS_NOTIFICATIONS_MODE=off AWS_ACCESS_KEY_ID=AKIAFAKE AWS_SECRET_ACCESS_KEY=fake $SLS_V3 package")
fi
hyperfine --warmup 1 --runs "${RUNS:-5}" --export-markdown "$work/bench.md" "${cmds[@]}"
ls -l "$svc/.serverless/bench.zip" "$work/zipr.zip"
echo "results: $work/bench.md"
