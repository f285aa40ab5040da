# Sourced by setup-moto.sh and setup-awscli.sh: install_venv VENV LOCK CHECK installs the exact
# packages of the hash-pinned LOCK (a pip-compile --generate-hashes file) into VENV, then runs the
# python snippet CHECK in it. Idempotent: nothing happens when VENV was made from the same LOCK; a
# changed lock file rebuilds it.
install_venv() {
  local venv=$1 lock=$2 check=$3
  local stamp="$venv/.requirements.sha256" want
  want=$(sha256sum "$lock" | cut -d' ' -f1)
  if [ -x "$venv/bin/python" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then
    return 0
  fi
  echo "Installing $(grep -v '^ *#' "${lock%.txt}.in" | tr '\n' ' ')into $venv …" >&2
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check --no-deps --require-hashes -r "$lock"
  "$venv/bin/python" -c "$check"
  echo "$want" >"$stamp"
}
