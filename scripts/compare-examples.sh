#!/usr/bin/env bash
# Compares `sls print --format json` with Serverless Framework v3's on real services: every
# service of a checkout of github.com/serverless/examples that needs no plugin and no network
# (no `plugins:`, no ssm/cf/s3/aws variables). A service matches when stdout is identical, or
# when both fail with the same message. Prints one line per mismatch and the match rate.
#
# Usage: scripts/compare-examples.sh <examples checkout> [sls binary] [v3 serverless binary]
#   e.g. scripts/compare-examples.sh /tmp/examples target/release/sls \
#          /tmp/v3/node_modules/.bin/serverless
# Set KEEP=dir to keep both outputs of every service there.
set -uo pipefail
examples=$(cd "$1" && pwd)
sls=$(realpath "${2:-target/release/sls}")
v3=$(realpath "${3:-/tmp/v3/node_modules/.bin/serverless}")
work=${KEEP:-$(mktemp -d)}
mkdir -p "$work"

run() { # <binary> <dir> <out prefix>
  local home
  home=$(mktemp -d)
  (cd "$2" && env -i PATH="$PATH" HOME="$home" SLS_TELEMETRY_DISABLED=1 \
    SLS_NOTIFICATIONS_MODE=off AWS_EC2_METADATA_DISABLED=true \
    AWS_ACCESS_KEY_ID=AKIAFAKE AWS_SECRET_ACCESS_KEY=fakesecret \
    timeout 120 "$1" print --format json >"$3.out" 2>"$3.err"; echo $? >"$3.rc")
  rm -rf "$home"
}
export -f run

mapfile -t files < <(cd "$examples" && find . \( -name serverless.yml -o -name serverless.yaml \
  -o -name serverless.json \) -not -path '*/node_modules/*' | sort)
total=0
match=0
for f in "${files[@]}"; do
  dir=$(dirname "$f")
  if grep -qE '^"?plugins"?:' "$examples/$f" && ! grep -qE '^"?plugins"?: *\[ *\]' "$examples/$f"; then
    continue
  fi
  if grep -qE '\$\{(ssm|cf|s3)[.:]|\$\{aws:' "$examples/$f"; then continue; fi
  total=$((total + 1))
  key=$(echo "${dir#./}" | tr '/' '_')
  run "$v3" "$examples/$dir" "$work/$key.v3"
  run "$sls" "$examples/$dir" "$work/$key.sls"
  verdict=$(python3 - "$work/$key" <<'PY'
import re, sys
p = sys.argv[1]
def err(text):
    # The message under "Error:", up to the first empty line.
    i = text.find("Error:\n")
    # v3 writes the message on stdout and its "Environment: …" footer on stderr.
    return text[i + 7:].split("\n\n")[0].split("\nEnvironment:")[0].strip() if i >= 0 else "?"
r = lambda s: open(f"{p}.{s}").read()
v3rc, slsrc = r("v3.rc").strip(), r("sls.rc").strip()
if v3rc == "0" and slsrc == "0":
    print("ok" if r("v3.out") == r("sls.out") else "output differs")
elif v3rc != "0" and slsrc != "0":
    a, b = err(r("v3.out") + r("v3.err")), err(r("sls.err"))
    print("ok" if a == b else f"errors differ: v3 {a[:100]!r} / sls {b[:100]!r}")
elif v3rc == "0":
    print(f"sls fails: {err(r('sls.err'))[:160]!r}")
else:
    print(f"v3 fails: {err(r('v3.out') + r('v3.err'))[:160]!r}")
PY
)
  if [ "$verdict" = ok ]; then match=$((match + 1)); else echo "MISMATCH ${dir#./}: $verdict"; fi
done
echo "matched $match of $total services ($(python3 -c "print(f'{100*$match/max($total,1):.1f}%')"))"
echo "outputs in $work"
