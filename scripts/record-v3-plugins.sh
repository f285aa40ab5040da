#!/usr/bin/env bash
# Records one plugin-host fixture with Serverless Framework v3.40.0 and the real plugin, at the
# version pinned in tools/plugins/package-lock.json:
#   <case>/config.json        <- `serverless print --format json`
#   <case>/v3/                <- what `serverless package` wrote in .serverless/: the two
#                                templates, serverless-state.json, and <zip>.list (entry names)
#   <case>/v3/package.log     <- v3's stdout+stderr of that package run, normalised (durations
#                                and the temporary service/home paths replaced)
#   <case>/v3/help.txt        <- `serverless --help` with the plugin loaded (plus, for
#                                step-functions, `invoke stepf --help`; for prune, `prune --help`)
#   <case>/v3/aws-requests.txt <- every network request the runs attempted, under the run
#                                (== print, == package, ...) that made it (see below)
#   <case>/v3-without/        <- the same service packaged by plain v3, its `plugins:` removed
#                                (cloudformation-template-update-stack.json, <zip>.list, package.log)
# Usage: scripts/record-v3-plugins.sh crates/sls-cli/tests/fixtures/plugins/<case>
# <case>/args, when present, holds CLI options (one line) given to print and both package runs,
# and that a test must give too (dotenv: `--stage dev`, which makes the plugin read .env.dev).
#
# The service's node_modules/<name> for each package its package.json names is a link to
# tools/plugins/node_modules/<name> (scripts/setup-plugins.sh installs them), as the tests link
# them: v3 runs exactly the pinned plugin. v3 itself is installed (once) into $V3, default
# /tmp/v3-3.40.0, never committed.
#
# Nothing reaches AWS: env -i, a temporary HOME, fake keys, telemetry and notifications off, no
# instance metadata, and AWS_ENDPOINT_URL, HTTPS_PROXY and HTTP_PROXY all point at a loopback
# listener of this script that answers every request with 502 and writes its request line (for a
# proxy CONNECT, the AWS host) to aws-requests.txt: the AWS SDK v3 clients (lift) honour
# AWS_ENDPOINT_URL, v3's own SDK v2 client and aws-sdk v2 plugins go through the proxy.
# npm_config_update_notifier=false: the `npm ls` v3 runs to leave devDependencies out of the zip
# would otherwise ask the npm registry for a newer npm (a CONNECT to registry.npmjs.org in every
# package run, with or without a plugin), which is no plugin's doing.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
case_dir=$(cd "$1" && pwd)
v3dir=${V3:-/tmp/v3-3.40.0}
if [ ! -x "$v3dir/node_modules/.bin/serverless" ] \
  || ! grep -q '"version": "3.40.0"' "$v3dir/node_modules/serverless/package.json"; then
  mkdir -p "$v3dir"
  [ -f "$v3dir/package.json" ] || echo '{"private": true}' >"$v3dir/package.json"
  (cd "$v3dir" && npm install --no-audit --no-fund --loglevel=error serverless@3.40.0)
fi
v3="$v3dir/node_modules/.bin/serverless"
"$root/scripts/setup-plugins.sh"
plugins="$root/tools/plugins/node_modules"
args=()
if [ -f "$case_dir/args" ]; then read -ra args <"$case_dir/args"; fi

tmp=$(mktemp -d)
listener_pid=""
trap '[ -n "$listener_pid" ] && kill "$listener_pid" 2>/dev/null; rm -rf "$tmp"' EXIT

# The loopback listener standing in for AWS.
: >"$tmp/requests"
python3 - "$tmp/port" "$tmp/requests" <<'PY' &
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 0))
s.listen(64)
open(sys.argv[1], "w").write(str(s.getsockname()[1]))
while True:
    c, _ = s.accept()
    c.settimeout(2)
    data = b""
    try:
        while b"\r\n\r\n" not in data and len(data) < 65536:
            chunk = c.recv(4096)
            if not chunk:
                break
            data += chunk
    except OSError:
        pass
    head = data.split(b"\r\n\r\n")[0].decode("latin-1").split("\r\n")
    line = head[0] if head else ""
    extra = []
    for h in head[1:]:
        k, _, v = h.partition(":")
        k = k.strip().lower()
        if k == "x-amz-target":
            extra.append("X-Amz-Target: " + v.strip())
        elif k == "authorization" and "Credential=" in v:
            # Credential=AKID/date/region/service/aws4_request: keep region/service only.
            parts = v.split("Credential=")[1].split(",")[0].split("/")
            if len(parts) >= 4:
                extra.append("scope: %s/%s" % (parts[2], parts[3]))
    with open(sys.argv[2], "a") as f:
        f.write(" ".join([line] + extra) + "\n")
    try:
        c.sendall(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
    except OSError:
        pass
    c.close()
PY
listener_pid=$!
for _ in $(seq 1 50); do [ -s "$tmp/port" ] && break; sleep 0.1; done
port=$(cat "$tmp/port")
fake="http://127.0.0.1:$port"

# Copies service/ to $1 and links the pinned packages its package.json names.
prepare() {
  local dir=$1 name
  mkdir -p "$dir"
  cp -r "$case_dir/service/." "$dir/"
  mkdir -p "$dir/node_modules"
  for name in $(node -e '
    const p = require(process.argv[1]);
    console.log(Object.keys({...p.dependencies, ...p.devDependencies}).join("\n"));' "$dir/package.json"); do
    [ -d "$plugins/$name" ] || { echo "$name is not in tools/plugins/package.json" >&2; exit 1; }
    ln -s "$plugins/$name" "$dir/node_modules/$name"
  done
}
# Each run gets a new empty HOME: no state (v3's ~/.serverless, caches) carries over between runs.
run() {
  local dir=$1 home
  shift
  home=$(mktemp -d "$tmp/homeXXXXXX")
  (cd "$dir" && env -i PATH="$PATH" HOME="$home" SLS_TELEMETRY_DISABLED=1 \
    SLS_NOTIFICATIONS_MODE=off AWS_EC2_METADATA_DISABLED=true AWS_ACCESS_KEY_ID=AKIAFAKE \
    AWS_SECRET_ACCESS_KEY=fakesecret AWS_ENDPOINT_URL="$fake" HTTPS_PROXY="$fake" \
    HTTP_PROXY="$fake" npm_config_update_notifier=false "$v3" "$@")
}
# Durations and the temporary paths out of a log.
normalise() {
  sed -E -e "s#$tmp/svc#<service>#g" -e "s#$tmp/plain#<service>#g" -e "s#$tmp/home[A-Za-z0-9]+#<home>#g" \
    -e "s#$root/tools/plugins/node_modules#<plugins>#g" -e "s#$v3dir#<v3>#g" \
    -e 's/\(([0-9]+(\.[0-9]+)?m ?)?[0-9]+(\.[0-9]+)?s\)/(<t>)/g' \
    -e 's/ in [0-9]+(\.[0-9]+)? ?(ms|s)\b/ in <t>/g'
}
# Copies .serverless/'s JSON files and a .list per zip into $2.
collect() {
  local dir=$1 out=$2 f z
  rm -rf "$out" && mkdir -p "$out"
  # serverless-state.json names the zips by absolute path: the temporary service folder becomes
  # <service>, so nothing machine-specific is committed.
  for f in "$dir/.serverless/"*.json; do sed "s#$dir#<service>#g" "$f" >"$out/$(basename "$f")"; done
  for z in "$dir/.serverless/"*.zip; do
    [ -e "$z" ] || continue
    python3 -c 'import sys,zipfile; print("\n".join(zipfile.ZipFile(sys.argv[1]).namelist()))' "$z" \
      >"$out/$(basename "$z").list"
  done
}

# With the plugin.
svc="$tmp/svc"
prepare "$svc"
echo "== print" >>"$tmp/requests"
run "$svc" print --format json "${args[@]}" >"$case_dir/config.json"
echo "== package" >>"$tmp/requests"
if ! run "$svc" package "${args[@]}" >"$tmp/package.log" 2>&1; then cat "$tmp/package.log" >&2; exit 1; fi
cat "$tmp/package.log" >&2
collect "$svc" "$case_dir/v3"
normalise <"$tmp/package.log" >"$case_dir/v3/package.log"
echo "== --help (and the plugin's command help)" >>"$tmp/requests"
run "$svc" --help 2>&1 | normalise >"$case_dir/v3/help.txt"
if [ -d "$svc/node_modules/serverless-step-functions" ]; then
  run "$svc" invoke stepf --help 2>&1 | normalise >"$case_dir/v3/help-invoke-stepf.txt"
fi
if [ -d "$svc/node_modules/serverless-prune-plugin" ]; then
  run "$svc" prune --help 2>&1 | normalise >"$case_dir/v3/help-prune.txt"
fi

# Plain v3: the same service without its plugins (the `plugins:` block removed, no links).
# Lift's ${construct:...} variables, a source only lift defines, become placeholder strings.
plain="$tmp/plain"
mkdir -p "$plain"
cp -r "$case_dir/service/." "$plain/"
awk '/^plugins:/ { skip = 1; next } skip && /^[^ \t-]/ { skip = 0 } !skip' \
  "$case_dir/service/serverless.yml" \
  | sed -E 's/\$\{construct:([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)\}/construct-\1-\2/g' \
  >"$plain/serverless.yml"
echo "== package without the plugins" >>"$tmp/requests"
if ! run "$plain" package "${args[@]}" >"$tmp/plain.log" 2>&1; then cat "$tmp/plain.log" >&2; exit 1; fi
collect "$plain" "$tmp/plain-out"
rm -rf "$case_dir/v3-without" && mkdir -p "$case_dir/v3-without"
cp "$tmp/plain-out/cloudformation-template-update-stack.json" "$case_dir/v3-without/"
for f in "$tmp/plain-out/"*.list; do [ -e "$f" ] && cp "$f" "$case_dir/v3-without/"; done
normalise <"$tmp/plain.log" >"$case_dir/v3-without/package.log"

uniq -c "$tmp/requests" | sed -E 's/^ +//; s/^1 ==/==/' >"$case_dir/v3/aws-requests.txt"
if grep -qv '^==' "$case_dir/v3/aws-requests.txt"; then
  echo "network requests attempted (answered 502):" >&2
  cat "$case_dir/v3/aws-requests.txt" >&2
fi
ls "$case_dir/v3" "$case_dir/v3-without"
