#!/usr/bin/env bash
# Sets up (if needed) and runs every test: unit, and integration on a real
# PostgreSQL (embedded, started by the suite; or SIGILL_TEST_POSTGRES_URL).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
exec .venv/bin/python -m pytest "$@"
