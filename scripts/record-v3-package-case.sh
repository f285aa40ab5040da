#!/usr/bin/env bash
# Records what Serverless Framework v3 (`serverless package`) writes for one sls-deploy corpus
# case: crates/sls-deploy/tests/fixtures/<case>/service holds the service; this writes
# config.json (`serverless print --format json`) and v3/ (both templates, serverless-state.json,
# <zip>.list with each zip's entry names) for the first stage, and stages/<stage>/{config.json,v3}
# for every further stage.
# Usage: scripts/record-v3-package-case.sh <case dir> [stage ...]   (v3 in $V3, default /tmp/v3)
# A service with top-level `layers` makes v3 ask CloudFormation for the deployed stack while
# packaging: run it against moto through ../shared/tools/v3-on-moto-proxy.py and give the proxy
# in V3_PROXY (http://127.0.0.1:PORT) and its CA in V3_CA (DIR/ca.pem); without them such a
# service is refused, so that nothing reaches a real AWS host. So is a service with an image given
# by tag (v3 asks ECR's DescribeImages for its digest).
set -euo pipefail
case_dir=$(cd "$1" && pwd)
shift
stages=("$@")
[ ${#stages[@]} -eq 0 ] && stages=(dev)
v3=${V3:-/tmp/v3}/node_modules/.bin/serverless
proxy=()
if [ -n "${V3_PROXY:-}" ]; then
  proxy=(HTTPS_PROXY="$V3_PROXY" NODE_EXTRA_CA_CERTS="${V3_CA:?V3_CA: the proxy CA (DIR/ca.pem)}")
elif grep -q '^layers:' "$case_dir/service/serverless.yml"; then
  echo "$case_dir has top-level layers: v3 calls CloudFormation while packaging; set V3_PROXY and V3_CA (moto)" >&2
  exit 1
elif grep -E 'dkr\.ecr\.' "$case_dir/service/serverless.yml" | grep -vq '@sha256:'; then
  echo "$case_dir has an image by tag: v3 calls ECR while packaging; set V3_PROXY and V3_CA (moto)" >&2
  exit 1
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
run() {
  env -i PATH="$PATH" HOME="$work/home" SLS_TELEMETRY_DISABLED=1 SLS_NOTIFICATIONS_MODE=off \
    AWS_EC2_METADATA_DISABLED=true AWS_ACCESS_KEY_ID=AKIAFAKEFAKEFAKE AWS_SECRET_ACCESS_KEY=fake \
    ${proxy[@]+"${proxy[@]}"} "$v3" "$@"
}
first=1
for stage in "${stages[@]}"; do
  if [ $first -eq 1 ]; then out="$case_dir"; else out="$case_dir/stages/$stage"; fi
  first=0
  rm -rf "$work/svc" "$work/pkg" "$work/home"
  mkdir -p "$work/home" "$out"
  cp -a "$case_dir/service" "$work/svc"
  (cd "$work/svc" && run print --format json --stage "$stage" > "$out/config.json.tmp")
  python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); json.dump(d, open(sys.argv[2],"w"), indent=2); open(sys.argv[2],"a").write("\n")' \
    "$out/config.json.tmp" "$out/config.json"
  rm "$out/config.json.tmp"
  (cd "$work/svc" && run package --stage "$stage" --package "$work/pkg" >/dev/null)
  rm -rf "$out/v3"
  mkdir -p "$out/v3"
  cp "$work/pkg"/*.json "$out/v3/"
  for z in "$work/pkg"/*.zip; do
    [ -e "$z" ] || continue
    python3 -c 'import zipfile,sys; print("\n".join(zipfile.ZipFile(sys.argv[1]).namelist()))' "$z" \
      > "$out/v3/$(basename "$z").list"
  done
done
find "$case_dir" -path "$case_dir/service" -prune -o -type f -print | sort
