"""`./scripts/test-broker.sh`: the README's way to try `sigill feed publish` and `feed consume` on one machine,
with the memory-only broker the tests use — run as a newcomer would."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from pathlib import Path

from tests.integration.test_cli import sigill
from tests.servers import free_port

ROOT = Path(__file__).resolve().parents[2]


def test_the_test_broker_script_serves_a_broker_the_reference_consumer_reads_and_stops_on_sigterm(tmp_path):
    port = free_port()
    broker = subprocess.Popen([str(ROOT / "scripts" / "test-broker.sh"), str(port)], cwd=tmp_path,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        _listening(port, deadline=time.monotonic() + 60)
        consumed = sigill("feed", "consume", "--agency", "skola", "--municipality", "0180", "--idle-timeout", "1",
                          env={"SIGILL_DATA_DIR": str(tmp_path), "SIGILL_KAFKA_BOOTSTRAP_SERVERS": f"127.0.0.1:{port}"})
        assert consumed.returncode == 0, consumed.stderr
        assert consumed.stderr.splitlines()[-1] == "0 meddelanden, 0 dubbletter överhoppade."
    finally:
        os.killpg(broker.pid, signal.SIGTERM)
        _, said = broker.communicate(timeout=10)
    assert f"on 127.0.0.1:{port}: SIGILL_KAFKA_BOOTSTRAP_SERVERS=127.0.0.1:{port}" in said


def _listening(port: int, deadline: float) -> None:
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            assert time.monotonic() < deadline, f"nothing listens on {port}"
            time.sleep(0.05)
