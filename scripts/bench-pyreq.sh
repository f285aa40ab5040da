#!/usr/bin/env bash
# Benchmarks of the built-in serverless-python-requirements with hyperfine: `sls package` against
# Serverless Framework v3 + the real plugin (serverless-python-requirements 6.1.2) on the same
# service (crates/sls-deploy/tests/fixtures/pyreq/<case>, local wheels, no network), with a
# cold cache (every requirements cache and pip download cache removed before each run) and a
# warm one. Then, unless --no-pypi, the first and the cached `sls package` of a service with
# `requests` from PyPI (network). Numbers go into closing notes, never into assertions.
# Usage: scripts/bench-pyreq.sh [--no-pypi]   ($V3PY: serverless@3 + the plugin, default /tmp/v3py)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
command -v hyperfine >/dev/null || { echo "hyperfine is needed: apt-get install -y hyperfine" >&2; exit 1; }
(cd "$root" && cargo build --release --quiet -p sls-cli)
sls="$root/target/release/sls"
v3py=${V3PY:-/tmp/v3py}
v3="$v3py/node_modules/.bin/serverless"
[ -x "$v3" ] && [ -d "$v3py/node_modules/serverless-python-requirements" ] || v3=""
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for v in $(env | grep -oE '^AWS_[A-Z0-9_-]+' || true); do unset "$v"; done
export AWS_EC2_METADATA_DISABLED=true SLS_TELEMETRY_DISABLED=1 SLS_NOTIFICATIONS_MODE=off
export AWS_ACCESS_KEY_ID=AKIABENCH0000000000 AWS_SECRET_ACCESS_KEY=bench-secret
fixtures="$root/crates/sls-deploy/tests/fixtures/pyreq"
runs=(--warmup 1 --min-runs 5 --export-markdown "$work/table.md")

for case in ${CASES:-default zip}; do
  for tool in sls v3; do
    d="$work/$case-$tool"
    cp -a "$fixtures/$case/service" "$d"
    cp -a "$fixtures/wheels" "$d/wheels"
    mkdir -p "$work/home-$tool"
  done
  # sls caches in <service>/.serverless/requirements-cache; the plugin in ~/.cache/serverless-python-requirements.
  cold_sls="rm -rf $work/$case-sls/.serverless $work/home-sls/.cache"
  cold_v3="rm -rf $work/$case-v3/.serverless $work/home-v3/.cache"
  echo "## $case: cold cache (requirements and pip download caches removed before each run)"
  args=(-n "sls (cold)" --prepare "$cold_sls" "cd $work/$case-sls && HOME=$work/home-sls $sls package")
  [ -n "$v3" ] && args+=(-n "v3 + plugin (cold)" --prepare "$cold_v3" "cd $work/$case-v3 && HOME=$work/home-v3 $v3 package")
  hyperfine "${runs[@]}" "${args[@]}"
  cat "$work/table.md"
  echo "## $case: warm cache"
  args=(-n "sls (warm)" "cd $work/$case-sls && HOME=$work/home-sls $sls package")
  [ -n "$v3" ] && args+=(-n "v3 + plugin (warm)" "cd $work/$case-v3 && HOME=$work/home-v3 $v3 package")
  hyperfine "${runs[@]}" "${args[@]}"
  cat "$work/table.md"
done

if [ "${1:-}" != "--no-pypi" ]; then
  echo "## requests from PyPI: first and cached sls package"
  d="$work/requests"
  mkdir -p "$d"
  printf 'service: pyreq-requests\nprovider:\n  name: aws\n  runtime: python3.11\nplugins:\n  - serverless-python-requirements\nfunctions:\n  hello:\n    handler: handler.hello\n' > "$d/serverless.yml"
  printf 'import requests\ndef hello(e, c):\n    return requests.__version__\n' > "$d/handler.py"
  printf 'requests\n' > "$d/requirements.txt"
  mkdir -p "$work/home-req"
  s=$(date +%s.%N); (cd "$d" && HOME=$work/home-req "$sls" package); e=$(date +%s.%N)
  echo "first sls package (pip downloads requests and its dependencies): $(echo "$e - $s" | bc) s"
  python3 -c 'import sys,zipfile; n=zipfile.ZipFile(sys.argv[1]).namelist(); print(len(n), "entries;", sorted({x.split("/")[0] for x in n if "/" in x}))' "$d/.serverless/pyreq-requests.zip"
  hyperfine --warmup 1 --min-runs 10 -n "sls package, requests cached" "cd $d && HOME=$work/home-req $sls package"
fi
