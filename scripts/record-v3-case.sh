#!/usr/bin/env bash
# Records what Serverless Framework v3 prints for one corpus case (a folder with a
# serverless.yml, optional args.txt and env), as crates/sls-config/tests/corpus/README.md
# describes: expected.json (stdout) or expected-error.txt (the message under "Error:"), and
# expected-warnings.txt (v3's "Warning: …" messages on stderr) when v3 warns.
# Usage: scripts/record-v3-case.sh <case dir>   (needs v3 in $V3, default /tmp/v3)
set -euo pipefail
case_dir=$(cd "$1" && pwd)
v3=${V3:-/tmp/v3}/node_modules/.bin/serverless
home=$(mktemp -d)
trap 'rm -rf "$home"' EXIT
args=()
[ -f "$case_dir/args.txt" ] && read -r -a args < "$case_dir/args.txt"
envs=()
[ -f "$case_dir/env" ] && mapfile -t envs < "$case_dir/env"
cd "$case_dir"
set +e
env -i PATH="$PATH" HOME="$home" SLS_TELEMETRY_DISABLED=1 SLS_NOTIFICATIONS_MODE=off \
  AWS_EC2_METADATA_DISABLED=true AWS_ACCESS_KEY_ID=AKIAFAKE AWS_SECRET_ACCESS_KEY=fakesecret \
  "${envs[@]}" "$v3" print --format json "${args[@]}" >"$home/out" 2>"$home/err"
rc=$?
set -e
rm -f expected.json expected-error.txt expected-warnings.txt
if [ $rc -eq 0 ]; then cp "$home/out" expected.json; fi
python3 - "$home/err" "$rc" "$home/out" <<'PY'
import re, sys
err = open(sys.argv[1]).read()
out = open(sys.argv[3]).read()  # v3 writes "Error:" and its message to stdout
warnings = re.findall(r"^Warning: Invalid configuration encountered\n.*?\nLearn more about configuration validation here: \S+|^Warning: [^\n]*", err, re.S | re.M)
if warnings:
    open("expected-warnings.txt", "w").write("".join(w + "\n" for w in warnings))
if sys.argv[2] != "0":
    m = re.search(r"(?:^|\n)Error:\n(.*)", out, re.S)
    open("expected-error.txt", "w").write((m.group(1) if m else out + err).rstrip("\n") + "\n")
PY
ls "$case_dir"
