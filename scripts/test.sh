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
# The TLS tests (tests/integration/test_postgres_tls.py) need a PostgreSQL built with OpenSSL, which the embedded
# wheel's is not: Debian's server package, installed only when it is missing.
if ! compgen -G "/usr/lib/postgresql/*/bin/postgres" >/dev/null; then
  echo "== installing Debian's PostgreSQL for the TLS tests"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq postgresql >/dev/null \
    || echo "!! could not install postgresql: the TLS tests will fail (apt-get install -y postgresql)" >&2
fi
# Each run its own temporary directory (databases, data directories): two runs at once shared pytest's default one,
# and the second's clean-up deleted the first's databases under it.  Removed after a run that passed; kept, and
# named, after one that failed.  A --basetemp given here wins.
basetemp="$(mktemp -d "${TMPDIR:-/tmp}/sigill-tests.XXXXXX")"
status=0
.venv/bin/python -m pytest --basetemp "$basetemp" "$@" || status=$?
if [ "$status" -eq 0 ]; then rm -rf "$basetemp"; else echo "== the failed run's files: $basetemp" >&2; fi
exit "$status"
