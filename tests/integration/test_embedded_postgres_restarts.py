"""The embedded PostgreSQL after a crash: what the last run left behind must neither be joined, nor signalled,
nor keep the server up for ever.  Each run is a real process with its own data directory, as `sigill` is."""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
from pathlib import Path

import psutil
import psycopg
import pytest

from gateways.embedded_postgres import EXTERNAL_CONNECT_TIMEOUT, location_from_url, start_embedded
from tests.concurrency import eventually

ROOT = Path(__file__).resolve().parents[2]

# A user of the embedded server: it starts (or joins) it, queries it, and exits cleanly — or, with "wait",
# says so and waits to be killed.
USER = """
import sys, time
from pathlib import Path
import psycopg
from gateways.embedded_postgres import start_embedded
location = start_embedded(Path(sys.argv[1]))
with psycopg.connect(location.conninfo()) as conn:
    print(conn.execute("SELECT 1").fetchone()[0], flush=True)
if sys.argv[2:] == ["wait"]:
    time.sleep(600)
"""


@pytest.fixture
def data_dir(tmp_path):
    data = (tmp_path / "postgres").resolve()
    yield data
    for process in _servers_in(data):  # a failed test must not leave its server running
        _kill(process)


def test_a_stale_postmaster_pid_naming_a_live_stranger_is_neither_joined_nor_signalled(data_dir):
    """After a power loss the PID in postmaster.pid may belong to another process: the wheel took it for the
    server, failed to reach it, and terminated it on exit."""
    _crash(_waiting_user(data_dir), data_dir)
    stranger = subprocess.Popen(["sleep", "120"])
    try:
        socket_lock = _claim_lock_files(data_dir, stranger.pid)
        result = _use(data_dir)
        assert result.returncode == 0 and result.stdout.strip() == "1", result.stderr
        assert "Failed" not in result.stderr and "killing" not in result.stderr, result.stderr
        assert stranger.poll() is None, "the stranger was signalled"
        assert eventually(lambda: not _servers_in(data_dir), seconds=30), "the last user's exit did not stop it"
        assert stranger.poll() is None and psutil.Process(stranger.pid).status() != psutil.STATUS_ZOMBIE
        assert not (data_dir / "postmaster.pid").exists() and not socket_lock.exists()  # a clean stop, this time
    finally:
        stranger.kill()
        stranger.wait()


def test_a_torn_postmaster_pid_left_by_a_crash_does_not_stop_the_next_start(data_dir):
    _crash(_waiting_user(data_dir), data_dir)
    (data_dir / "postmaster.pid").write_text("")  # a crash while PostgreSQL wrote it
    result = _use(data_dir)
    assert result.returncode == 0 and result.stdout.strip() == "1", result.stderr


def test_a_user_killed_without_its_cleanup_does_not_keep_the_server_up_for_ever(data_dir):
    """The wheel stops the server when the list of its users holds only the exiting process; a user that was
    SIGKILLed stayed on that list, so no clean exit ever stopped the server again."""
    killed = _waiting_user(data_dir)
    postmaster = psutil.Process(int((data_dir / "postmaster.pid").read_text().splitlines()[0]))
    killed.kill()
    killed.wait()
    assert postmaster.is_running(), "the server should outlive a user killed at once"
    assert json.loads((data_dir / ".handle_pids.json").read_text()) == [killed.pid]
    result = _use(data_dir)  # joins the running server
    assert result.returncode == 0 and result.stdout.strip() == "1", result.stderr
    assert eventually(lambda: not _servers_in(data_dir), seconds=30), "the last live user's exit did not stop it"


def test_an_embedded_location_has_no_connect_timeout_and_its_url_still_reaches_it(tmp_path):
    """The timeout is for hosts over the network; a unix socket URL (how `sigill serve`'s workers reach the
    embedded server) gets it too, and still connects."""
    location = start_embedded(tmp_path / "postgres")
    assert location.connect_timeout is None and "connect_timeout" not in location.conninfo()
    again = location_from_url(location.url())
    assert again.host == location.host and again.connect_timeout == EXTERNAL_CONNECT_TIMEOUT
    for where in (location, again):
        with psycopg.connect(where.conninfo()) as conn:
            assert conn.execute("SELECT 1").fetchone() == (1,)


def _use(data: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", USER, str(data)], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)


def _waiting_user(data: Path) -> subprocess.Popen:
    """A user that started (or joined) the server and has queried it, still running."""
    user = subprocess.Popen([sys.executable, "-c", USER, str(data), "wait"], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    assert user.stdout is not None and user.stdout.readline().strip() == "1", user.stderr and user.stderr.read()
    return user


def _crash(user: subprocess.Popen, data: Path) -> None:
    """SIGKILL the user and the server it started, as a power loss would: no cleanup, lock files left."""
    servers = _servers_in(data)
    user.kill()
    user.wait()
    for process in servers:  # the postmaster first: its children go by themselves when it dies
        _kill(process)
    assert eventually(lambda: not _servers_in(data), seconds=30)


def _kill(process: psutil.Process) -> None:
    with contextlib.suppress(psutil.NoSuchProcess):
        process.kill()


def _claim_lock_files(data: Path, pid: int) -> Path:
    """Put ``pid`` in line 1 of postmaster.pid and of its socket's lock file (PIDs are reused after a reboot)."""
    lines = (data / "postmaster.pid").read_text().splitlines()
    socket_lock = Path(lines[4]) / f".s.PGSQL.{lines[3]}.lock"
    for lock_file in (data / "postmaster.pid", socket_lock):
        rest = lock_file.read_text().splitlines()[1:]
        lock_file.write_text("\n".join([str(pid), *rest]) + "\n")
    return socket_lock


def _servers_in(data: Path) -> list[psutil.Process]:
    """The PostgreSQL processes (postmaster and children) working in ``data``."""
    return [process for process in psutil.process_iter() if _is_server_of(process, data)]


def _is_server_of(process: psutil.Process, data: Path) -> bool:
    try:
        return process.name() == "postgres" and Path(process.cwd()) == data
    except psutil.Error:
        return False

