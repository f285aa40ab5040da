#!/usr/bin/env bash
# Records the v3 + plugin fixtures of sls's built-in JavaScript packaging plugins
# (serverless-plugin-typescript, serverless-plugin-include-dependencies):
#   <case>/v3/  <- the templates and state `serverless package` writes, plus <zip>.list
# Usage: scripts/record-v3-plugins-js.sh crates/sls-deploy/tests/fixtures/plugin-<name>
# Needs v3 and the plugins installed in $V3P (default /tmp/v3p: `npm install serverless@3
# serverless-plugin-typescript@2.1.5 serverless-plugin-include-dependencies@6.1.1`), and
# tools/node/node_modules (scripts/setup-node-tools.sh) for typescript. No network.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
case_dir=$(cd "$1" && pwd)
v3p=${V3P:-/tmp/v3p}
home=$(mktemp -d)
work=$(mktemp -d)
trap 'rm -rf "$home" "$work"' EXIT
cp -r "$case_dir/service/." "$work/"
mkdir -p "$work/node_modules"
# The plugins the service's package.json names, from the v3 install (a link: Node loads their
# own dependencies from there), and the pinned typescript when named, copied.
for p in serverless-plugin-typescript serverless-plugin-include-dependencies; do
  if grep -q "\"$p\"" "$work/package.json"; then ln -s "$v3p/node_modules/$p" "$work/node_modules/$p"; fi
done
if grep -q '"typescript"' "$work/package.json"; then
  cp -r "$root/tools/node/node_modules/typescript" "$work/node_modules/typescript"
fi
run() {
  (cd "$work" && env -i PATH="$PATH" HOME="$home" SLS_TELEMETRY_DISABLED=1 \
    SLS_NOTIFICATIONS_MODE=off AWS_EC2_METADATA_DISABLED=true AWS_ACCESS_KEY_ID=AKIAFAKE \
    AWS_SECRET_ACCESS_KEY=fakesecret "$v3p/node_modules/.bin/serverless" "$@")
}
run print --format json >"$case_dir/config.json"
run package >"$home/log" 2>&1 || { cat "$home/log"; exit 1; }
cat "$home/log" >&2
rm -rf "$case_dir/v3" && mkdir -p "$case_dir/v3"
for f in "$work/.serverless/"*.json; do cp "$f" "$case_dir/v3/"; done
for z in "$work/.serverless/"*.zip; do
  [ -e "$z" ] || continue
  python3 -c 'import sys,zipfile; print("\n".join(zipfile.ZipFile(sys.argv[1]).namelist()))' "$z" \
    >"$case_dir/v3/$(basename "$z").list"
  # The compiled files themselves, to compare tsc's output byte for byte.
  if grep -q '"serverless-plugin-typescript"' "$work/package.json"; then
    python3 - "$z" "$case_dir/v3/$(basename "$z" .zip).compiled" <<'PY'
import os, sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
for n in z.namelist():
    if n.startswith("src/") and (n.endswith(".js") or n.endswith(".js.map")):
        dst = os.path.join(sys.argv[2], n)
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        open(dst, "wb").write(z.read(n))
PY
  fi
done
ls "$case_dir/v3"
