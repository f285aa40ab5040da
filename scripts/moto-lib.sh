# Sourced by demo.sh and bench.sh: moto server on a free loopback port, and the
# AWS data examples/aws-vars reads. Needs $root (the repository) and $work (a temp dir).

# Starts moto in the background; sets moto_pid and exports AWS_ENDPOINT_URL.
# Through crates/sls-testkit/moto_launcher.py: moto checks the signature of a
# form-encoded request over the body as sent (the Rust SDK encodes a space as
# %20; plain moto re-encodes it as + and refuses the signature when auth is on).
start_moto() {
  "$root/.venv-moto/bin/python" "$root/crates/sls-testkit/moto_launcher.py" -H 127.0.0.1 -p 0 >"$work/moto.log" 2>&1 &
  moto_pid=$!
  local port=""
  for _ in $(seq 1 100); do
    port=$(grep -oE 'Running on https?://127.0.0.1:[0-9]+' "$work/moto.log" 2>/dev/null | grep -oE '[0-9]+$' | head -n1 || true)
    if [ -n "$port" ] && curl -fsS "http://127.0.0.1:$port/moto-api/data.json" >/dev/null 2>&1; then break; fi
    sleep 0.1
  done
  [ -n "$port" ] || { echo "moto server did not start; see $work/moto.log" >&2; exit 1; }
  export AWS_ENDPOINT_URL="http://127.0.0.1:$port"
  echo "== moto server on $AWS_ENDPOINT_URL" >&2
}

# Creates what examples/aws-vars reads: SSM parameters, a stack with an output,
# an S3 object. With boto3 from moto's own venv (no AWS CLI needed); fake keys.
seed_aws_vars() {
  "$root/.venv-moto/bin/python" - <<PY
import boto3, json
kw = dict(endpoint_url="$AWS_ENDPOINT_URL", region_name="us-east-1",
          aws_access_key_id="AKIASEEDEXAMPLE00001", aws_secret_access_key="seed-secret")
ssm = boto3.client("ssm", **kw)
ssm.put_parameter(Name="/demo/dev/greeting", Type="String", Value="hello from SSM (dev)")
ssm.put_parameter(Name="/demo/prod/greeting", Type="String", Value="hello from SSM (prod)")
ssm.put_parameter(Name="/demo/hosts", Type="StringList", Value="a.internal,b.internal")
template = {"Resources": {"Handle": {"Type": "AWS::CloudFormation::WaitConditionHandle"}},
            "Outputs": {"QueueUrl": {"Value": "https://sqs.us-east-1.amazonaws.com/123456789012/infra"}}}
boto3.client("cloudformation", **kw).create_stack(StackName="infra", TemplateBody=json.dumps(template))
s3 = boto3.client("s3", **kw)
s3.create_bucket(Bucket="aws-vars-config")
s3.put_object(Bucket="aws-vars-config", Key="banner.txt", Body=b"Welcome (from S3)")
PY
}
