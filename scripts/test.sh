#!/usr/bin/env bash
# Sets up (if needed) and runs every test: unit, and integration on a real
# PostgreSQL (embedded, started by the suite; or SIGILL_TEST_POSTGRES_URL).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
# The browser tests (tests/e2e) drive Debian's chromium; install it once, quietly, only when it is missing.
if ! command -v chromium >/dev/null 2>&1; then
  echo "== installing chromium for the browser tests"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null \
    || echo "!! could not install chromium: the browser tests will fail (apt-get install -y chromium)" >&2
fi
exec .venv/bin/python -m pytest "$@"
