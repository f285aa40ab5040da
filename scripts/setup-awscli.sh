#!/usr/bin/env bash
# Installs the AWS CLI v1 that one test runs beside sls into .venv-awscli, exactly as pinned, with
# hashes, by tools/awscli/requirements.txt. Idempotent.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/scripts/venv-lib.sh"
install_venv "$root/.venv-awscli" "$root/tools/awscli/requirements.txt" 'import awscli'
