"""The README's first command, `./scripts/serve.sh`: it starts the server with the demo case and prints an
address that answers — run as a newcomer would, in a subprocess with its own data directory."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import replace
from pathlib import Path

import httpx
import psutil
import psycopg
import pytest
from psycopg import sql

from tests.concurrency import eventually
from tests.servers import free_port

ROOT = Path(__file__).resolve().parents[2]
ADDRESS = re.compile(r"öppna (http://127\.0\.0\.1:\d+/) i webbläsaren")


def test_serve_sh_starts_the_server_with_the_demo_case_and_its_printed_address_answers(tmp_path):
    printed, cases = serve_and_list_cases(tmp_path)
    assert any("Demodata inläst" in line for line in printed), printed
    assert cases == ["0180-2026-0001"]
    # The same command again on the same data: the server comes back with the one demo case, not two.
    printed, cases = serve_and_list_cases(tmp_path)
    assert any("Demodata finns redan" in line for line in printed), printed
    assert cases == ["0180-2026-0001"]


def serve_and_list_cases(tmp_path: Path) -> tuple[list[str], list[str]]:
    """Run serve.sh, sign in at the address it prints as the Stockholm caseworker; what it printed, the case list."""
    port = free_port()
    env = {**os.environ, "SIGILL_DATA_DIR": str(tmp_path / "data")}
    env.pop("SIGILL_DATABASE_URL", None)
    process = subprocess.Popen([str(ROOT / "scripts" / "serve.sh"), "--port", str(port)], cwd=tmp_path, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    printed: list[str] = []
    try:
        address = _printed_address(process, printed, deadline=time.monotonic() + 90)
        assert address == f"http://127.0.0.1:{port}/"
        client = httpx.Client(base_url=address, follow_redirects=True, timeout=10)
        landing = _answer(client, deadline=time.monotonic() + 30)
        assert landing.status_code == 200 and "Logga in i Sigill" in landing.text   # / → the sign-in page
        csrf = re.search(r'name="csrf" value="([^"]+)"', landing.text).group(1)
        client.post("/logga-in/utveckling", data={"csrf": csrf, "user": "soc-0180"})
        return printed, list(dict.fromkeys(re.findall(r"\b0180-\d{4}-\d{4}\b", client.get("/arenden").text)))
    finally:
        os.killpg(process.pid, signal.SIGINT)
        process.wait(30)


def _printed_address(process: subprocess.Popen, printed: list[str], deadline: float) -> str:
    assert process.stdout is not None
    for line in process.stdout:
        printed.append(line)
        found = ADDRESS.search(line)
        if found:
            return found.group(1)
        assert time.monotonic() < deadline, "serve.sh printed no address in time:\n" + "".join(printed)
    raise AssertionError("serve.sh ended without printing an address:\n" + "".join(printed))


def _answer(client: httpx.Client, deadline: float) -> httpx.Response:
    while True:
        try:
            return client.get("/")
        except httpx.TransportError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


@pytest.mark.parametrize("workers", [1, 2])
def test_sigill_serve_ended_by_sigterm_stops_its_embedded_postgresql(tmp_path, workers):
    """As systemd, docker or `kill` end it: the server exits cleanly and takes its embedded PostgreSQL along
    (the server is stopped when the last process using it exits; one that died without saying so kept it up)."""
    port, data = free_port(), tmp_path / "data"
    env = {**os.environ, "SIGILL_DATA_DIR": str(data)}
    env.pop("SIGILL_DATABASE_URL", None)
    process = subprocess.Popen([sys.executable, "-m", "services.cli", "serve", "--port", str(port), "--workers",
                                str(workers)], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True, start_new_session=True)
    printed: list[str] = []
    try:
        address = _printed_address(process, printed, deadline=time.monotonic() + 90)
        client = httpx.Client(base_url=address, timeout=10)
        assert _answer(client, deadline=time.monotonic() + 30).status_code < 400
        assert _embedded_servers(data), "the embedded PostgreSQL is not running"
        stream = _open_stream(address, env)   # uvicorn waits for open responses: a stream must end by itself
        process.send_signal(signal.SIGTERM)
        assert process.wait(30) == 0, "".join(printed) + (process.stdout.read() if process.stdout else "")
        stream.join(timeout=10)
        assert not stream.is_alive(), "the feed stream was left open"
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
    assert eventually(lambda: not _embedded_servers(data), seconds=30), _embedded_servers(data)


def _open_stream(address: str, env: dict[str, str]) -> threading.Thread:
    """A school member's feed stream, read in a thread until the server closes it; returns once it is open."""
    token = subprocess.run([sys.executable, "-m", "services.cli", "dev-token", "--agency", "skola", "--role",
                            "member"], cwd=ROOT, env=env, capture_output=True, text=True, check=True).stdout.strip()
    opened = threading.Event()

    def read() -> None:
        with httpx.stream("GET", f"{address.rstrip('/')}/api/v1/feeds/skola/stream", timeout=None,
                          headers={"Authorization": f"Bearer {token}"}) as answer:
            assert answer.status_code == 200
            for _ in answer.iter_lines():
                opened.set()
    thread = threading.Thread(target=read, daemon=True)
    thread.start()
    assert opened.wait(30), "the stream did not open"
    return thread


def _embedded_servers(data: Path) -> list[int]:
    """The PostgreSQL server processes whose data directory is under ``data``."""
    found = []
    for process in psutil.process_iter(["cmdline"]):
        cmdline = process.info["cmdline"] or []
        if any(part.endswith("postgres") for part in cmdline[:1]) and any(str(data) in part for part in cmdline):
            found.append(process.pid)
    return found


def test_sigill_serve_on_a_port_already_taken_says_so_in_one_line_before_announcing_anything(tmp_path):
    """…and what to do next: the bare "Address already in use" left the operator to find the other process."""
    taken = socket.create_server(("127.0.0.1", 0))
    try:
        port = taken.getsockname()[1]
        env = {**os.environ, "SIGILL_DATA_DIR": str(tmp_path / "data")}
        env.pop("SIGILL_DATABASE_URL", None)
        result = subprocess.run([sys.executable, "-m", "services.cli", "serve", "--port", str(port)], cwd=ROOT,
                                env=env, capture_output=True, text=True, timeout=60)
    finally:
        taken.close()
    assert result.returncode == 1 and "Sigill körs" not in result.stdout
    assert result.stderr.strip() == (f"sigill: cannot listen on 127.0.0.1:{port}: Address already in use: another"
                                     " process listens there (`ss -ltnp` names it) — stop it, or give another --port")


LOG_LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} sigill\.keys WARNING not hearing of destroyed data keys")
KEYS_WARNING = "not hearing of destroyed data keys"
KEYS_HEARD = "sigill.keys INFO hearing of destroyed data keys again"


def test_each_worker_logs_sigills_lines_with_time_source_and_level(tmp_path, postgres):
    """deploy/sigill.service runs `--workers 2`: uvicorn spawns the workers, and the logging this process sets up
    did not reach them — a worker's warning came out bare (no time, no logger, no level: a journal filtered by
    priority or a log shipper could not place it) and its INFO lines not at all.  Cut every session of the database
    and let none in for a while (as a restart does): each process's key listener warns, the two workers' as the
    server's own."""
    port = free_port()
    env = {**os.environ, "SIGILL_DATA_DIR": str(tmp_path / "data"), "SIGILL_DATABASE_URL": postgres.url()}
    process = subprocess.Popen([sys.executable, "-m", "services.cli", "serve", "--port", str(port), "--workers", "2"],
                               cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               start_new_session=True)
    printed: list[str] = []
    reader = threading.Thread(target=lambda: printed.extend(process.stdout or ()), daemon=True)
    reader.start()
    try:
        assert eventually(lambda: sum("Application startup complete" in line for line in printed) == 2,
                          seconds=90), printed
        # Every session cut, and none let in for a while: a listener warns when listening again fails too.
        with psycopg.connect(replace(postgres, dbname="postgres").conninfo(), autocommit=True) as conn:
            database = sql.Identifier(postgres.dbname)
            conn.execute(sql.SQL("ALTER DATABASE {} ALLOW_CONNECTIONS false").format(database))
            conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                         [postgres.dbname])
            eventually(lambda: sum(KEYS_WARNING in line for line in printed) >= 3, seconds=20)
            conn.execute(sql.SQL("ALTER DATABASE {} ALLOW_CONNECTIONS true").format(database))
        # Listening again, each says so: the warning must not stay the last word of a process that recovered.
        eventually(lambda: KEYS_HEARD in [line for line in printed if "destroyed data keys" in line][-1], seconds=60)
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(30)
        reader.join(10)
    warned = [line for line in printed if KEYS_WARNING in line]
    assert len(warned) >= 3 and all(LOG_LINE.match(line) for line in warned), "".join(printed)
    keys_lines = [line for line in printed if "destroyed data keys" in line]
    assert KEYS_HEARD in keys_lines[-1], "".join(printed)
