#!/usr/bin/env bash
# Installs moto server (the local AWS emulator used by tests and the demo) into
# .venv-moto at the repository root. Idempotent: does nothing when it is there.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
venv="$root/.venv-moto"
if [ -x "$venv/bin/moto_server" ]; then
  exit 0
fi
echo "Installing moto server into $venv …" >&2
python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check 'moto[server]>=5,<6'
