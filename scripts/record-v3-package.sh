#!/usr/bin/env bash
# Records one sls-deploy template-corpus case with Serverless Framework v3 (3.40.0):
#   config.json  <- `serverless print --format json` (the resolved config sls is given)
#   v3/          <- the templates and state `serverless package` writes, plus <zip>.list
# Usage: scripts/record-v3-package.sh crates/sls-deploy/tests/fixtures/<case> [--stage prod ...]
# Needs v3 in $V3 (default /tmp/v3). No network: fake keys, telemetry off, temp HOME.
set -euo pipefail
case_dir=$(cd "$1" && pwd)
shift
v3=${V3:-/tmp/v3}/node_modules/.bin/serverless
home=$(mktemp -d)
work=$(mktemp -d)
trap 'rm -rf "$home" "$work"' EXIT
cp -r "$case_dir/service/." "$work/"
run() {
  (cd "$work" && env -i PATH="$PATH" HOME="$home" SLS_TELEMETRY_DISABLED=1 \
    SLS_NOTIFICATIONS_MODE=off AWS_EC2_METADATA_DISABLED=true AWS_ACCESS_KEY_ID=AKIAFAKE \
    AWS_SECRET_ACCESS_KEY=fakesecret "$v3" "$@")
}
run print --format json "$@" >"$case_dir/config.json"
run package "$@" >"$home/log" 2>&1 || { cat "$home/log"; exit 1; }
rm -rf "$case_dir/v3" && mkdir -p "$case_dir/v3"
for f in "$work/.serverless/"*.json; do cp "$f" "$case_dir/v3/"; done
for z in "$work/.serverless/"*.zip; do
  [ -e "$z" ] || continue
  python3 -c 'import sys,zipfile; print("\n".join(zipfile.ZipFile(sys.argv[1]).namelist()))' "$z" \
    >"$case_dir/v3/$(basename "$z").list"
done
ls "$case_dir/v3"
