#!/usr/bin/env bash
# Sets up (if needed) and runs `sigill demo` on the embedded defaults.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
exec .venv/bin/sigill demo "$@"
