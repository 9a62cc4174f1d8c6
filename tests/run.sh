#!/usr/bin/env bash
# Installs what the tests need and runs them: the README's test command.
#   - Debian's chromium for the browser tests and Debian's nginx for the two-replica test
#     (apt-get, as root or through sudo)
#   - a virtual environment .venv with requirements-test.txt
#   - pytest (extra arguments are passed to it)
set -euo pipefail
cd "$(dirname "$0")/.."

APT=()
[ -x /usr/bin/chromium ] || APT+=(chromium fonts-dejavu-core)
[ -x /usr/sbin/nginx ] || APT+=(nginx)  # the two-replica test (tests/browser/test_replicas.py)
if [ ${#APT[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${APT[@]}" >/dev/null
fi

PY=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/python -m pip install -q --disable-pip-version-check -r requirements-test.txt

exec .venv/bin/python -m pytest "$@"
