#!/usr/bin/env bash
# Sets up (if needed) and starts Sigill — the API and the web client — on the embedded defaults, with the
# example case of seed 004 loaded, and prints the address to open.  Arguments pass through to `sigill serve`
# (e.g. --port 8080).  `./scripts/demo.sh` runs the command-line demo (`sigill demo`) instead.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
exec .venv/bin/sigill serve --demo "$@"
