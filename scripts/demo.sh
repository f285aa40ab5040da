#!/usr/bin/env bash
# The main job of sls, end to end, against moto server on loopback (no real AWS):
# builds sls, configures credentials in a throw-away HOME, prints the example
# service, shows which credentials each stage uses, deploys, shows info,
# invokes the function locally and removes the service.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

scripts/setup-moto.sh
echo "== building sls (release)" >&2
cargo build --release --quiet -p sls-cli
sls="$root/target/release/sls"

work=$(mktemp -d)
moto_pid=""
cleanup() {
  [ -n "$moto_pid" ] && kill "$moto_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# A clean environment: nothing from this machine's AWS settings leaks in.
for v in $(env | grep -oE '^AWS_[A-Z0-9_-]+' || true); do unset "$v"; done
export HOME="$work/home" AWS_EC2_METADATA_DISABLED=true
mkdir -p "$HOME"

. "$root/scripts/moto-lib.sh"
start_moto

step() { printf '\n\033[1m$ %s\033[0m\n' "$*" >&2; "$@"; }

cp -r examples/hello "$work/hello"
cd "$work/hello"

step "$sls" --version
step "$sls" config credentials --provider aws --key AKIADEMODEVEXAMPLE01 --secret demo-dev-secret --profile hello-dev
step "$sls" config credentials --provider aws --key AKIADEMOPRODEXAMPLE1 --secret demo-prod-secret --profile hello-prod
step cat "$HOME/.aws/credentials"
step "$sls" print
step "$sls" print --stage prod --format json --path provider
step "$sls" credentials show
step "$sls" credentials show --stage prod
AWS_PROFILE=hello-prod step "$sls" credentials show --aws-profile hello-dev

# The deployment role CloudFormation acts as (provider.iam.deploymentRole); moto
# records it. Created with boto3 from moto's own venv (no AWS CLI needed).
"$root/.venv-moto/bin/python" - <<PY
import boto3, json
iam = boto3.client("iam", endpoint_url="$AWS_ENDPOINT_URL", region_name="us-east-1",
                   aws_access_key_id="AKIADEMODEVEXAMPLE01", aws_secret_access_key="demo-dev-secret")
trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
         "Principal": {"Service": "cloudformation.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
iam.create_role(RoleName="hello-deployer", AssumeRolePolicyDocument=json.dumps(trust))
PY

# Variables answered by AWS (ssm, cf, s3, aws:accountId), with each stage's profile.
seed_aws_vars
cp -r "$root/examples/aws-vars" "$work/aws-vars"
(cd "$work/aws-vars" && step "$sls" print && step "$sls" print --stage prod --path custom.greeting)

step "$sls" package
step ls .serverless
step "$sls" deploy
step "$sls" deploy
step "$sls" info --verbose
step "$sls" invoke local -f hello --data '{"name":"demo"}'
step "$sls" remove
echo >&2
echo "Demo finished: credentials configured, services printed (with SSM, CloudFormation and S3 variables), deployed, inspected, invoked and removed against moto on $AWS_ENDPOINT_URL." >&2
