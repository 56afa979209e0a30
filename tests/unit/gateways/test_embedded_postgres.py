"""Locations from URLs: a database host that accepts connections and never answers must not hang a command."""

from __future__ import annotations

import socket
import threading
import time

import psutil
import psycopg
import pytest

from gateways.embedded_postgres import EXTERNAL_CONNECT_TIMEOUT, PostgresLocation, location_from_url, start_embedded


@pytest.fixture
def silent_host():
    """A TCP listener that accepts every connection and never says a word (a wedged host, a black-holing proxy)."""
    listener = socket.create_server(("127.0.0.1", 0))
    accepted: list[socket.socket] = []

    def accept() -> None:
        while True:
            try:
                accepted.append(listener.accept()[0])
            except OSError:  # the listener was closed: the test is over
                return

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield listener.getsockname()[1]
    listener.close()
    thread.join(5)
    for conn in accepted:
        conn.close()


def test_connecting_to_a_silent_host_gives_up_after_the_default_timeout(silent_host):
    location = location_from_url(f"postgresql://u:pw@127.0.0.1:{silent_host}/db")
    assert location.connect_timeout == EXTERNAL_CONNECT_TIMEOUT == 10
    started = time.monotonic()
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(location.conninfo())
    assert EXTERNAL_CONNECT_TIMEOUT - 1 <= time.monotonic() - started <= EXTERNAL_CONNECT_TIMEOUT + 2


def test_a_connect_timeout_in_the_url_is_kept(silent_host):
    location = location_from_url(f"postgresql://u:pw@127.0.0.1:{silent_host}/db?connect_timeout=3")
    started = time.monotonic()
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(location.conninfo())
    assert 2 <= time.monotonic() - started <= 5


def test_the_timeout_survives_the_url_round_trip():
    for url in ("postgresql://app:s%40cret@db.example:6543/sigill", "postgresql://u@[::1]:5433/d?connect_timeout=30",
                "postgresql://postgres@/postgres?host=/run/sigill&port=5433"):
        location = location_from_url(url)
        assert location_from_url(location.url()) == location
    assert location_from_url("postgresql://u@h/d?connect_timeout=0").connect_timeout == 0  # asked to wait for ever


def test_a_location_made_by_hand_has_no_timeout_unless_given():
    assert "connect_timeout" not in PostgresLocation("/run/sigill", 5432, "postgres", "postgres").conninfo()
    assert "connect_timeout=7" in PostgresLocation("db", 5432, "d", "u", connect_timeout=7).conninfo()


@pytest.mark.parametrize("value", ["soon", "-1", "1.5", "²"])
def test_a_connect_timeout_that_is_not_whole_seconds_is_refused_without_repeating_the_url(value):
    with pytest.raises(ValueError, match="connect_timeout") as raised:
        location_from_url(f"postgresql://app:topsecret@db.example/sigill?connect_timeout={value}")
    assert "topsecret" not in str(raised.value)


@pytest.mark.parametrize("url", ["postgresql://app:topsecret@db.example:0/sigill",
                                 "postgresql://app:topsecret@db.example/sigill?port=0",
                                 "postgresql://app:topsecret@db.example/sigill?port=99999",
                                 "postgresql://app:topsecret@/sigill?host=/run/postgresql&port=x5432"])
def test_a_port_out_of_range_is_refused_without_repeating_the_url(url):
    """Port 0 was taken as 5432, and ?port=99999 stopped a command with libpq's "invalid port number": neither named
    SIGILL_DATABASE_URL's port as the thing to mend."""
    with pytest.raises(ValueError, match=r"invalid port \(1–65535\)") as raised:
        location_from_url(url)
    assert "topsecret" not in str(raised.value)


@pytest.mark.parametrize("password", ["ab#cd", "ab/cd", "ab?cd", "12/34"])
def test_a_password_with_a_character_the_url_cuts_at_is_told_to_be_percent_encoded(password):
    """Taken as written, "ab#cd" stopped every command with "invalid port", and "12/34" tried host "sigill" (the
    user's name) at port 12, the password's first digits."""
    with pytest.raises(ValueError, match=r"percent-encode it \(%2F, %3F, %23\)") as raised:
        location_from_url(f"postgresql://sigill:{password}@db.example:5432/sigill")
    assert password not in str(raised.value)


@pytest.mark.parametrize("url, password", [("postgresql://sigill:ab%23cd@db.example:5432/sigill", "ab#cd"),
                                           ("postgresql://sigill:a@b@db.example/sigill", "a@b"),
                                           ("postgresql://sigill@/sigill?host=/run/postgresql&user=x@y", "")])
def test_an_encoded_password_and_an_at_sign_in_the_query_are_taken(url, password):
    assert location_from_url(url).password == password


def test_a_url_without_a_port_is_on_postgresql_s_own():
    assert location_from_url("postgresql://app@db.example/sigill").port == 5432
    assert location_from_url("postgresql://app@/sigill?host=/run/postgresql").port == 5432
    assert location_from_url("postgresql://app@db.example:6543/sigill?port=6544").port == 6544


def test_an_embedded_server_that_will_not_start_is_one_line_ending_with_its_log(tmp_path):
    """A damaged data directory (or one of another PostgreSQL version) stopped every command with a traceback of
    pg_ctl's CalledProcessError; the CLI tells an OSError in one line."""
    data = tmp_path / "postgres"
    data.mkdir()
    (data / "PG_VERSION").write_text("9\n")
    with pytest.raises(OSError) as refused:
        start_embedded(data)
    said = str(refused.value)
    assert said.startswith(f"the embedded PostgreSQL in {data} did not start; its log, {data / 'log'}, ends: ")
    assert "postgresql.conf" in said and "\n" not in said


class _Postmaster:
    """A process as psutil shows it, whose working directory may not be readable (root without CAP_SYS_PTRACE,
    the postmaster being the wheel's own user: most containers)."""

    def __init__(self, args: list[str], cwd: Exception | str, cmdline: Exception | None = None) -> None:
        self._args, self._cwd, self._cmdline = args, cwd, cmdline

    def name(self) -> str:
        return "postgres"

    def cwd(self) -> str:
        if isinstance(self._cwd, Exception):
            raise self._cwd
        return self._cwd

    def cmdline(self) -> list[str]:
        if self._cmdline is not None:
            raise self._cmdline
        return self._args


@pytest.mark.parametrize("seen,ours", [
    (_Postmaster(["postgres", "-D", "{data}"], psutil.AccessDenied(1)), True),      # its -D names this directory
    (_Postmaster(["postgres", "-D", "/elsewhere"], psutil.AccessDenied(1)), False),  # another server's PID
    (_Postmaster(["postgres"], psutil.AccessDenied(1), psutil.AccessDenied(1)), True),  # cannot tell: keep
    (_Postmaster(["postgres"], "{data}"), True),
    (_Postmaster(["postgres"], "/elsewhere"), False),
])
def test_a_postmaster_whose_directory_cannot_be_read_is_never_taken_for_stale(tmp_path, monkeypatch, seen, ours):
    """Removing a live server's lock files would take it down: only a clear "not this directory" counts."""
    import gateways.embedded_postgres as embedded

    data = tmp_path / "postgres"
    seen._args = [a.replace("{data}", str(data)) for a in seen._args]
    seen._cwd = seen._cwd.replace("{data}", str(data)) if isinstance(seen._cwd, str) else seen._cwd
    monkeypatch.setattr(embedded.psutil, "Process", lambda pid: seen)
    assert embedded._is_our_postmaster(4242, data) is ours
