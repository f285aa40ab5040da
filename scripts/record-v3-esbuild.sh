#!/usr/bin/env bash
# Records what Serverless Framework v3 with the real serverless-esbuild plugin writes for
# crates/sls-deploy/tests/fixtures/esbuild/service: config.json (`serverless print`), and under
# v3/individually (the service as written) and v3/service (package.individually: false) the
# update template, serverless-state.json and each zip's entry names (<zip>.list); plus the
# bundles of the individually packaged zips (v3/individually/bundles), for byte comparison when
# the esbuild versions match; and v3/externals for externals-service (an external installed
# with npm). Needs network (npm install of the plugin and esbuild).
# Usage: scripts/record-v3-esbuild.sh   (v3 in $V3, default /tmp/v3)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
fx="$root/crates/sls-deploy/tests/fixtures/esbuild"
v3=${V3:-/tmp/v3}/node_modules/.bin/serverless
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
run() {
  env -i PATH="$PATH" HOME="$work/home" SLS_TELEMETRY_DISABLED=1 SLS_NOTIFICATIONS_MODE=off \
    AWS_EC2_METADATA_DISABLED=true AWS_ACCESS_KEY_ID=AKIAFAKEFAKEFAKE AWS_SECRET_ACCESS_KEY=fake \
    "$v3" "$@"
}
mkdir -p "$work/home"
cp -a "$fx/service" "$work/svc"
(cd "$work/svc" && npm install --no-audit --no-fund --loglevel=error >/dev/null)
(cd "$work/svc" && run print --format json) | python3 -c 'import json,sys; print(json.dumps(json.load(sys.stdin), indent=2))' > "$fx/config.json"
record() { # <variant> <pkg dir>
  rm -rf "$fx/v3/$1"; mkdir -p "$fx/v3/$1"
  cp "$2/cloudformation-template-update-stack.json" "$2/serverless-state.json" "$fx/v3/$1/"
  for z in "$2"/*.zip; do
    python3 -c 'import zipfile,sys; print("\n".join(zipfile.ZipFile(sys.argv[1]).namelist()))' "$z" > "$fx/v3/$1/$(basename "$z").list"
  done
}
(cd "$work/svc" && run package --package "$work/pkg1" >/dev/null)
record individually "$work/pkg1"
mkdir -p "$fx/v3/individually/bundles"
(cd "$fx/v3/individually/bundles" && unzip -o -q "$work/pkg1/hello.zip" src/hello.js src/hello.js.map && unzip -o -q "$work/pkg1/other.zip" src/other.js)
sed -i 's/individually: true/individually: false/' "$work/svc/serverless.yml"
(cd "$work/svc" && run package --package "$work/pkg2" >/dev/null)
record service "$work/pkg2"
# Externals: a local file: dependency installed by the plugin with npm (offline).
cp -a "$fx/externals-service" "$work/ext"
cp -a "$work/svc/node_modules" "$work/ext/node_modules"
(cd "$work/ext" && run package --package "$work/pkg3" >/dev/null)
record externals "$work/pkg3"
(cd "$work/ext" && run print --format json) | python3 -c 'import json,sys; print(json.dumps(json.load(sys.stdin), indent=2))' > "$fx/v3/externals/config.json"
find "$fx" -path "$fx/service" -prune -o -path "$fx/externals-service" -prune -o -type f -print | sort
