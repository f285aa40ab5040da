#!/usr/bin/env bash
# Benchmarks of whole commands with hyperfine: sls against Serverless Framework v3
# when it is installed (set SLS_V3 to its `serverless` binary, or install it with
# `npm install --prefix /tmp/sls3 serverless@3`). Prints hyperfine's tables; the
# numbers go into closing notes, never into assertions.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
command -v hyperfine >/dev/null || { echo "hyperfine is needed: apt-get install -y hyperfine" >&2; exit 1; }
cargo build --release --quiet -p sls-cli
sls="$root/target/release/sls"
v3="${SLS_V3:-/tmp/sls3/node_modules/.bin/serverless}"
[ -x "$v3" ] || v3=""

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for v in $(env | grep -oE '^AWS_[A-Z0-9_-]+' || true); do unset "$v"; done
export HOME="$work/home" AWS_EC2_METADATA_DISABLED=true SLS_TELEMETRY_DISABLED=1 SLS_NOTIFICATIONS_MODE=off
mkdir -p "$HOME/.aws"
printf '[hello-dev]\naws_access_key_id = AKIABENCH00000000001\naws_secret_access_key = bench-secret\n' > "$HOME/.aws/credentials"
cp -r examples/hello "$work/hello"
cd "$work/hello"

runs=(--warmup 3 --min-runs 20 --export-markdown "$work/table.md")

echo "## sls print (example service)"
if [ -n "$v3" ]; then
  hyperfine "${runs[@]}" -n sls "$sls print" -n "serverless v3" "$v3 print"
else
  hyperfine "${runs[@]}" -n sls "$sls print"
fi
cat "$work/table.md"

echo "## config credentials (new profile each run, into a fresh file)"
prep="rm -f $HOME/.aws/bench-creds"
export AWS_SHARED_CREDENTIALS_FILE="$HOME/.aws/bench-creds"
if [ -n "$v3" ]; then
  # v3 ignores AWS_SHARED_CREDENTIALS_FILE and writes ~/.aws/credentials: give it its own HOME.
  hyperfine "${runs[@]}" --prepare "$prep" -n sls "$sls config credentials --provider aws --key AKIABENCH00000000002 --secret s --profile b" \
    -n "serverless v3" --prepare "rm -rf $work/v3home; mkdir -p $work/v3home" \
    "HOME=$work/v3home $v3 config credentials --provider aws --key AKIABENCH00000000002 --secret s --profile b"
else
  hyperfine "${runs[@]}" --prepare "$prep" -n sls "$sls config credentials --provider aws --key AKIABENCH00000000002 --secret s --profile b"
fi
cat "$work/table.md"
unset AWS_SHARED_CREDENTIALS_FILE

echo "## credentials export (profile from provider.profile)"
hyperfine "${runs[@]}" -n sls "$sls credentials export"
cat "$work/table.md"

echo "## peak memory (max RSS, KiB)"
/usr/bin/time -f "sls print: %M KiB" "$sls" print >/dev/null
if [ -n "$v3" ]; then /usr/bin/time -f "serverless v3 print: %M KiB" "$v3" print >/dev/null; fi

echo "## sls print with AWS variables (examples/aws-vars: 4 SSM, 1 CloudFormation, 1 S3, 1 STS call) against moto"
scripts_dir="$root/scripts"
"$scripts_dir/setup-moto.sh" >/dev/null
moto_pid=""
trap '[ -n "$moto_pid" ] && kill "$moto_pid" 2>/dev/null; rm -rf "$work"' EXIT
. "$scripts_dir/moto-lib.sh"
start_moto
seed_aws_vars
cp -r "$root/examples/aws-vars" "$work/aws-vars"
cd "$work/aws-vars"
# The same service with the AWS variables replaced by their values: the offline baseline.
mkdir -p "$work/aws-vars-offline"
"$sls" print > "$work/aws-vars-offline/serverless.yml"
hyperfine "${runs[@]}" -n "sls print, AWS variables" "$sls print" \
  -n "sls print, same values inline" "cd $work/aws-vars-offline && $sls print"
cat "$work/table.md"

echo "## sls deploy with nothing changed (examples/hello against moto: the skip decision reads the bucket, the stack's template and every function's CodeSha256)"
cp -r "$root/examples/hello" "$work/hello-deploy"
cd "$work/hello-deploy"
"$sls" deploy >/dev/null 2>&1
hyperfine "${runs[@]}" -n "sls deploy, unchanged" "$sls deploy"
cat "$work/table.md"
