#!/usr/bin/env bash
# Overhead of sls-invoke over running its wrapper with node / python3 directly.
#
#   crates/sls-invoke/bench.sh            # from the repository root
#
# Builds the `invoke_driver` example in release mode (plan + temp folder + wrapper + spawn +
# result, i.e. everything `sls invoke local` does after reading the config), writes the same
# wrapper and input once with `invoke_driver prepare`, and lets hyperfine compare
#   1. node  invoke.cjs input.json          (the floor: the runtime itself)
#   2. invoke_driver run …                  (sls-invoke)
#   3. serverless invoke local -f hello     (Serverless v3, only when `serverless` is on PATH)
# and the same for Python. Goal: 2 − 1 under 10 ms. Numbers go in closing notes, not in tests.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}"

if ! command -v hyperfine >/dev/null; then
  echo "hyperfine is missing: apt-get install -y hyperfine" >&2
  exit 1
fi

cargo build --quiet --release -p sls-invoke --example invoke_driver
driver="$CARGO_TARGET_DIR/release/examples/invoke_driver"

work="$(mktemp -d "${TMPDIR:-/tmp}/sls-invoke-bench.XXXXXX")"
trap 'rm -rf "$work"' EXIT
svc="$work/svc"
mkdir -p "$svc"
cat >"$svc/handler.js" <<'EOF'
exports.hello = async (event) => ({ message: 'hello', input: event });
EOF
cat >"$svc/handler.py" <<'EOF'
def hello(event, context):
    return {"message": "hello", "input": event}
EOF
cat >"$svc/config.json" <<'EOF'
{"service": "bench", "provider": {"name": "aws", "runtime": "nodejs20.x"},
 "functions": {"hello": {"handler": "handler.hello"},
               "pyhello": {"handler": "handler.hello", "runtime": "python3.11"}}}
EOF
cat >"$svc/serverless.yml" <<'EOF'
service: bench
frameworkVersion: '3'
provider:
  name: aws
  runtime: nodejs20.x
functions:
  hello:
    handler: handler.hello
  pyhello:
    handler: handler.hello
    runtime: python3.11
EOF

data='{"a":1}'
mkdir -p "$work/node" "$work/py"
mapfile -t node_cmd < <("$driver" prepare "$svc" "$svc/config.json" hello "$work/node" "$data")
mapfile -t py_cmd < <("$driver" prepare "$svc" "$svc/config.json" pyhello "$work/py" "$data")

q() { printf '%q ' "$@"; }

cd "$svc"
args=(--warmup 5 --min-runs 30 --shell=none)
node_runs=(-n "node wrapper directly" "$(q "${node_cmd[@]}")"
           -n "sls-invoke (node)" "$(q "$driver" run "$svc" "$svc/config.json" hello "$data")")
py_runs=(-n "python3 wrapper directly" "$(q "${py_cmd[@]}")"
         -n "sls-invoke (python)" "$(q "$driver" run "$svc" "$svc/config.json" pyhello "$data")")
hyperfine "${args[@]}" --export-json "$work/node.json" "${node_runs[@]}" >/dev/null
hyperfine "${args[@]}" --export-json "$work/py.json" "${py_runs[@]}" >/dev/null
tables=("$work/node.json" "$work/py.json")

# Serverless v3 takes seconds a run: fewer runs, in a table of its own with sls-invoke first.
if command -v serverless >/dev/null; then
  export SLS_TELEMETRY_DISABLED=1 SLS_NOTIFICATIONS_MODE=off
  hyperfine --warmup 1 --runs "${V3_RUNS:-5}" --shell=none --export-json "$work/v3.json" \
    "${node_runs[@]:3:3}" \
    -n "serverless v3 invoke local (node)" "$(q serverless invoke local -f hello -d "$data")" \
    -n "serverless v3 invoke local (python)" "$(q serverless invoke local -f pyhello -d "$data")" \
    >/dev/null
  tables+=("$work/v3.json")
else
  echo "(serverless v3 is not on PATH: no side-by-side; npm install serverless@3 to add it)" >&2
fi

# Wall time suffers when other work shares the cores; user+sys CPU time (of the command and
# its children) shows what sls itself adds. The first row of each table is the baseline.
python3 - "${tables[@]}" <<'PY'
import json, sys
for path in sys.argv[1:]:
    rows = json.load(open(path))["results"]
    base = rows[0]
    print("| command | median wall ms | mean wall ms | mean user+sys ms | wall overhead ms | cpu overhead ms |")
    print("|---|---:|---:|---:|---:|---:|")
    for r in rows:
        cpu = (r["user"] + r["system"]) * 1000
        bcpu = (base["user"] + base["system"]) * 1000
        print("| %s | %.1f | %.1f ± %.1f | %.1f | %+.1f | %+.1f |" % (
            r["command"], r["median"] * 1000, r["mean"] * 1000, r["stddev"] * 1000, cpu,
            (r["median"] - base["median"]) * 1000, cpu - bcpu))
    print()
PY
