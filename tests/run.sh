#!/usr/bin/env bash
# Installs what the tests need and runs them: the README's test command.
#   - Debian's chromium for the browser tests (apt-get, as root or through sudo)
#   - a virtual environment .venv with requirements-test.txt
#   - pytest (extra arguments are passed to it)
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium fonts-dejavu-core >/dev/null
fi

PY=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/python -m pip install -q --disable-pip-version-check -r requirements-test.txt

exec .venv/bin/python -m pytest "$@"
