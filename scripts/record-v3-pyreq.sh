#!/usr/bin/env bash
# Records what Serverless Framework v3 with the real serverless-python-requirements writes for
# the fixtures in crates/sls-deploy/tests/fixtures/pyreq/<case>/service (local wheels, no
# network): config.json (`serverless print --format json`), and v3/ with both templates,
# serverless-state.json, <zip>.list (each zip's entry names, in order, directories with their
# trailing slash) and, for a zip holding `.requirements.zip`, <zip>.requirements.zip.list.
# Usage: scripts/record-v3-pyreq.sh [case ...]
#   $V3PY: a folder with node_modules/.bin/serverless (serverless@3) and
#   serverless-python-requirements installed (default /tmp/v3py; e.g. cp -a /tmp/v3 /tmp/v3py &&
#   npm install --prefix /tmp/v3py serverless-python-requirements@6.1.2).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
fixtures="$root/crates/sls-deploy/tests/fixtures/pyreq"
v3=${V3PY:-/tmp/v3py}
cases=("$@")
[ ${#cases[@]} -eq 0 ] && cases=(default zip layer layer-object individually individually-zip slim)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# v3 asks CloudFormation for the last deployed layer hash while packaging a layer
# (compareWithLastLayer); answer as AWS does for a stack never deployed, with no network.
cat > "$work/no-stack.js" <<JS
const P = require("$v3/node_modules/serverless/lib/plugins/aws/provider.js");

P.prototype.request = async function (service, method, params, ...rest) {
  if (service === 'CloudFormation' && method === 'describeStacks') {
    throw new Error('Stack with id ' + params.StackName + ' does not exist');
  }
  throw new Error('recording without network: ' + service + '.' + method);
};
JS
run() {
  env -i NODE_OPTIONS="--require $work/no-stack.js" PATH="$PATH" HOME="$work/home" SLS_TELEMETRY_DISABLED=1 SLS_NOTIFICATIONS_MODE=off \
    AWS_EC2_METADATA_DISABLED=true AWS_ACCESS_KEY_ID=AKIAFAKEFAKEFAKE AWS_SECRET_ACCESS_KEY=fake \
    "$v3/node_modules/.bin/serverless" "$@"
}
list_zip() {
  python3 - "$1" "$2" <<'PY'
import io, sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
open(sys.argv[2], "w").write("".join(n + "\n" for n in z.namelist()))
if ".requirements.zip" in z.namelist():
    inner = zipfile.ZipFile(io.BytesIO(z.read(".requirements.zip")))
    open(sys.argv[2].replace(".list", ".requirements.zip.list"), "w").write("".join(n + "\n" for n in inner.namelist()))
PY
}
for c in "${cases[@]}"; do
  out="$fixtures/$c"
  rm -rf "$work/svc" "$work/home"
  mkdir -p "$work/home"
  cp -a "$out/service" "$work/svc"
  cp -a "$fixtures/wheels" "$work/svc/wheels"
  (cd "$work/svc" && run print --format json > "$out/config.json.tmp")
  python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); json.dump(d, open(sys.argv[2],"w"), indent=2); open(sys.argv[2],"a").write("\n")' \
    "$out/config.json.tmp" "$out/config.json"
  rm "$out/config.json.tmp"
  (cd "$work/svc" && run package > "$work/log" 2>&1) || { cat "$work/log"; exit 1; }
  rm -rf "$out/v3"
  mkdir -p "$out/v3"
  cp "$work/svc/.serverless"/*.json "$out/v3/"
  for z in "$work/svc/.serverless"/*.zip; do
    [ -e "$z" ] || continue
    list_zip "$z" "$out/v3/$(basename "$z").list"
  done
  echo "recorded $c"
done
