#!/usr/bin/env bash
# Installs moto server (the local AWS emulator used by tests and the demo) into .venv-moto at the
# repository root, exactly as pinned, with hashes, by tools/moto/requirements.txt (why moto is
# pinned: tools/moto/requirements.in). Idempotent.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/scripts/venv-lib.sh"
install_venv "$root/.venv-moto" "$root/tools/moto/requirements.txt" 'import moto.server'
