#!/usr/bin/env bash
# Builds crates/sls-plugins/host/aws-request.js, the provider.request that the plugin host loads
# on demand, from tools/plugin-host-sdk/src/request.js and the packages pinned by
# tools/plugin-host-sdk/package-lock.json. Reproducible: the same lock gives the same bytes.
#
# Why the AWS SDK for JavaScript v2 (aws-sdk), not the modular v3 SDK behind a compatibility layer:
# - Faithful v2 semantics for plugins, which is what matters most: Serverless v3 itself called
#   `new AWS[service](params)[method](params).promise()` on v2, so with v2 plugins get the very
#   method names (including S3 `upload`, the managed upload), parameter and result shapes (Buffers,
#   Dates, base64 blobs), error `code`s, `retryable` flags, `statusCode`s and the SDK's own retries
#   that v3's retry loop was written against. A layer over the v3 SDK would have to re-create
#   each of these by hand, and differences would show up as plugin bugs.
# - Endpoint override: v2 takes an `endpoint` per client (it does not read AWS_ENDPOINT_URL; the
#   host passes AWS_ENDPOINT_URL[_<SERVICE>] in) and `s3ForcePathStyle` for loopback endpoints.
# - Extra CAs: an https.Agent with node's roots plus the PEM strings, as v3 did for `ca`/`cafile`.
# - Size: only the 19 services' models are bundled (`aws-sdk/clients/<name>`): about 1.4 MB
#   minified, 0.2 MB gzipped (see crates/sls-plugins/host/README-aws-request.md).
# - Proxy: https-proxy-agent 5, as v3 used, for `proxy`/HTTPS_PROXY (the host passes it in).
# v2 is end-of-support but frozen at its last release (pinned exactly); its maintenance-mode note
# is suppressed in src/request.js.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dir="$root/tools/plugin-host-sdk"
out="$root/crates/sls-plugins/host/aws-request.js"
command -v npm >/dev/null || { echo "npm is required to build the plugin host's AWS SDK bundle" >&2; exit 1; }

(cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
mkdir -p "$(dirname "$out")"
version=$(node -p "require('$dir/node_modules/aws-sdk/package.json').version")
node "$dir/build.js" "$out" \
  "/* sls plugin host: provider.request (aws-sdk $version), built by scripts/bundle-plugin-host-sdk.sh from tools/plugin-host-sdk/src/request.js; do not edit */"
wc -c "$out" >&2
