"""Sigill on an external PostgreSQL over TLS, as deploy/sigill.env.example sets it: SIGILL_DATABASE_URL with no
sslmode, and libpq's own PGSSLMODE=verify-full and PGSSLROOTCERT.  The server (tests/tls_postgres.py) takes TLS
connections alone, with a certificate of a CA made for the module; each failure an operator can meet is one line,
exit 1, saying what to set."""

from __future__ import annotations

import json
import os
import re
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Iterator

import httpx
import psycopg
import pytest
from psycopg import sql

from tests.servers import free_port
from tests.tls_postgres import (CERTIFIED_HOST, NAMED_HOST, UNCERTIFIED_HOST, TlsPostgres, start_tls_postgres,
                                 stop_tls_postgres)

OWNER, APP_ROLE, DATABASE = "sigill_owner", "sigill", "sigill"


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[TlsPostgres]:
    started = start_tls_postgres(tmp_path_factory.mktemp("tls-postgres"))
    yield started
    stop_tls_postgres(started)


@pytest.fixture(scope="module")
def passwords(server) -> dict[str, str]:
    """The roles of deploy/README.md section 1: an owner of the tables, and the role the application runs as."""
    chosen = {OWNER: secrets.token_urlsafe(12), APP_ROLE: secrets.token_urlsafe(12)}
    with psycopg.connect(server.superuser_conninfo(), autocommit=True) as conn:
        for role, password in chosen.items():
            conn.execute(sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(sql.Identifier(role),
                                                                            sql.Literal(password)))
        conn.execute(sql.SQL("CREATE DATABASE {} OWNER {}").format(sql.Identifier(DATABASE), sql.Identifier(OWNER)))
    return chosen


@pytest.fixture(scope="module")
def keys() -> dict[str, str]:
    made = {name: run("new-master-key", env={}).stdout.strip()
            for name in ("SIGILL_MASTER_KEY", "SIGILL_LEDGER_KEY")}
    assert all(made.values())
    return made


@pytest.fixture(scope="module")
def set_up(server, passwords, keys, tmp_path_factory) -> None:
    """`sigill database setup` as the owner, over verified TLS, as deploy/README.md section 1 runs it first."""
    done = run("database", "setup", "--app-role", APP_ROLE,
                  env={**keys, **verified(server), "SIGILL_DATA_DIR": str(tmp_path_factory.mktemp("owner")),
                       "SIGILL_DATABASE_URL": server.url(OWNER, passwords[OWNER], DATABASE)})
    assert done.returncode == 0, done.stderr
    assert "ägs av sigill_owner" in done.stdout


def verified(server: TlsPostgres) -> dict[str, str]:
    return {"PGSSLMODE": "verify-full", "PGSSLROOTCERT": str(server.ca_file)}


def as_the_application(server: TlsPostgres, passwords: dict[str, str], tmp_path, **libpq: str) -> dict[str, str]:
    """Sigill's environment as the application's role, with libpq's TLS variables exactly as given (the machine's
    own PGSSL… left out: a developer's PGSSLMODE would decide what is tested)."""
    return {"SIGILL_DATABASE_URL": server.url(APP_ROLE, passwords[APP_ROLE], DATABASE),
            "SIGILL_DATA_DIR": str(tmp_path / "data"), **libpq}


def run(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    without_libpq = {name: value for name, value in os.environ.items() if not name.startswith("PGSSL")}
    return subprocess.run([sys.executable, "-m", "services.cli", *args], capture_output=True, text=True, timeout=120,
                          env={**without_libpq, **env})


def refused_in_one_line(done: subprocess.CompletedProcess) -> str:
    assert done.returncode == 1, (done.returncode, done.stdout, done.stderr)
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in done.stderr, done.stderr
    return lines[0]


def test_status_demo_and_serve_work_over_verified_tls(server, passwords, keys, set_up, tmp_path):
    env = {**keys, **as_the_application(server, passwords, tmp_path, **verified(server))}
    status = run("database", "status", "--json", env=env)
    assert status.returncode == 0, status.stderr
    assert '"master_key": "unwraps"' in status.stdout
    demo = run("demo", env=env)   # the application's bootstrap, its writes, the ledger's seal and the views' reads
    assert demo.returncode == 0, demo.stderr
    assert "händelser förseglade i granskningsliggaren" in demo.stdout
    verify = run("audit", "verify", env=env)
    assert verify.returncode == 0, verify.stderr
    with serving(env) as address:
        ready = httpx.get(f"{address}api/v1/ready", timeout=10)
        assert ready.status_code == 200 and ready.json() == {"status": "ready"}, ready.text
        sessions = app_sessions(server)
    assert sessions and all(ssl for ssl, _ in sessions), sessions   # the server's pools, follower and listener
    assert {version for _, version in sessions} <= {"TLSv1.2", "TLSv1.3"}


def test_a_server_certificate_of_another_ca_is_refused_in_one_line_naming_pgsslrootcert(server, passwords, tmp_path):
    env = as_the_application(server, passwords, tmp_path, PGSSLMODE="verify-full",
                             PGSSLROOTCERT=str(server.other_ca_file))
    line = refused_in_one_line(run("database", "status", env=env))
    assert "certificate verify failed" in line and "PGSSLROOTCERT" in line, line
    assert "firewall" not in line and "password" not in line, line   # neither the network nor the sign-in is at fault
    assert passwords[APP_ROLE] not in line
    assert refused_in_one_line(run("serve", "--port", str(free_port()), env=env)) == line   # serve stops alike


def test_a_root_certificate_file_that_is_not_there_is_named_in_one_line(server, passwords, tmp_path):
    env = as_the_application(server, passwords, tmp_path, PGSSLMODE="verify-full",
                             PGSSLROOTCERT=str(tmp_path / "missing-ca.pem"))
    line = refused_in_one_line(run("database", "status", env=env))
    assert "PGSSLROOTCERT" in line and "missing-ca.pem" in line and "firewall" not in line, line


def test_a_host_the_certificate_does_not_name_is_refused_in_one_line(server, passwords, tmp_path):
    env = as_the_application(server, passwords, tmp_path, **verified(server))
    env["SIGILL_DATABASE_URL"] = server.url(APP_ROLE, passwords[APP_ROLE], DATABASE, host=UNCERTIFIED_HOST)
    line = refused_in_one_line(run("database", "status", env=env))
    assert f'does not match host name "{UNCERTIFIED_HOST}"' in line and "SIGILL_DATABASE_URL" in line, line
    assert "firewall" not in line, line


def test_a_connection_without_tls_is_refused_by_the_server_and_the_line_says_to_set_pgsslmode(server, passwords,
                                                                                             tmp_path):
    env = as_the_application(server, passwords, tmp_path, PGSSLMODE="disable")
    line = refused_in_one_line(run("database", "status", env=env))
    assert "no encryption" in line and "PGSSLMODE=verify-full" in line and "PGSSLROOTCERT" in line, line
    assert "password" not in line and "firewall" not in line, line


def test_without_pgsslmode_libpq_encrypts_but_verifies_nothing(server, passwords, keys, set_up, tmp_path):
    """libpq's default, sslmode=prefer, takes TLS where the server offers it, and with no root certificate
    (PGSSLROOTCERT unset, no ~/.postgresql/root.crt) it checks no certificate at all: encrypted, but the server is
    not known to be the database.  PGSSLMODE=verify-full checks it (the tests above); a misspelt mode stops every
    command."""
    unverified = as_the_application(server, passwords, tmp_path, HOME=str(tmp_path))   # no ~/.postgresql/root.crt
    assert run("database", "status", env={**keys, **unverified}).returncode == 0
    misspelt = as_the_application(server, passwords, tmp_path, PGSSLMODE="verify_full")
    line = refused_in_one_line(run("database", "status", env=misspelt))
    assert "PGSSLMODE" in line and "verify-full" in line, line


def test_status_tells_how_far_libpq_verifies_the_database_and_exits_0(server, passwords, keys, set_up, tmp_path):
    """A host reached over a network — a name, as production's URL gives, which the certificate carries; libpq's
    PGHOSTADDR takes the connection to this machine's server without a resolver — is "unverified" under libpq's
    default and "verified" with verify-full; `require` with the CA's file checks the CA alone.  A warning, not a
    failure: each status exits 0.  On loopback there is no network to verify across."""
    def status(*args: str, url_host: str = NAMED_HOST, **libpq: str) -> str:
        env = {**keys, **as_the_application(server, passwords, tmp_path, HOME=str(tmp_path), **libpq)}
        env["SIGILL_DATABASE_URL"] = server.url(APP_ROLE, passwords[APP_ROLE], DATABASE, host=url_host)
        done = run("database", "status", *args, env=env)
        assert done.returncode == 0, (done.stdout, done.stderr)
        assert passwords[APP_ROLE] not in done.stdout + done.stderr
        return done.stdout

    def tls(**libpq: str) -> str:
        return json.loads(status("--json", **libpq))["database_tls"]

    assert tls(PGHOSTADDR=CERTIFIED_HOST) == "unverified"
    assert tls(PGHOSTADDR=CERTIFIED_HOST, **verified(server)) == "verified"
    assert tls(PGHOSTADDR=CERTIFIED_HOST, PGSSLMODE="require", PGSSLROOTCERT=str(server.ca_file)) == "ca_only"
    assert tls(url_host=CERTIFIED_HOST) == "local"
    told = [line for line in status(PGHOSTADDR=CERTIFIED_HOST).splitlines() if line.startswith("Databasens TLS")]
    assert told == [f"Databasens TLS: overifierad (PGSSLMODE inte satt): inget certifikat prövas, så vilken dator som"
                    f" helst på vägen kan utge sig för databasen på {NAMED_HOST} — sätt PGSSLMODE=verify-full och"
                    " PGSSLROOTCERT=<CA:ns fil> (deploy/README.md, avsnitt 1)"], told


PRODUCTION = {"SIGILL_ENVIRONMENT": "production", "SIGILL_OIDC_ISSUER": "https://idp.kommun.example",
              "SIGILL_OIDC_CLIENT_ID": "sigill-web", "SIGILL_OIDC_CLIENT_SECRET": "hemlig",
              "SIGILL_PUBLIC_URL": "https://sigill.kommun.example"}


def test_follow_warns_once_at_start_of_a_database_it_cannot_tell_from_an_impostor(server, passwords, keys, set_up,
                                                                                  tmp_path):
    """`sigill follow` reads every case's events and publishes them to Kafka over the same connection as `sigill
    serve`, and said nothing of a database reached short of verify-full: it logs serve's one line, at start."""
    def follow_logs(**libpq: str) -> list[str]:
        env = {**keys, **PRODUCTION, **as_the_application(server, passwords, tmp_path, HOME=str(tmp_path),
                                                          PGHOSTADDR=CERTIFIED_HOST, **libpq)}
        env["SIGILL_DATABASE_URL"] = server.url(APP_ROLE, passwords[APP_ROLE], DATABASE, host=NAMED_HOST)
        without_libpq = {name: value for name, value in os.environ.items() if not name.startswith("PGSSL")}
        process = subprocess.Popen([sys.executable, "-m", "services.cli", "follow"], env={**without_libpq, **env},
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            started = process.stdout.readline()   # printed once the follower is built, before it runs
            process.send_signal(signal.SIGTERM)
            stdout, stderr = process.communicate(timeout=60)
        finally:
            if process.poll() is None:
                process.kill()
        assert started.startswith("Följer händelserna") and process.returncode == 0, (started, stdout, stderr)
        assert passwords[APP_ROLE] not in stderr and "Traceback" not in stderr, stderr
        return [line for line in stderr.splitlines() if " sigill.database " in line]

    from services.database_tls import judge, serve_warning

    warned = follow_logs()
    said = serve_warning(judge(NAMED_HOST, {"PGHOSTADDR": CERTIFIED_HOST}, root_certificate=False))
    assert len(warned) == 1 and warned[0].endswith(f" sigill.database WARNING {said}"), warned
    assert follow_logs(**verified(server)) == []


def app_sessions(server: TlsPostgres) -> list[tuple[bool, str | None]]:
    """Whether each session of the application's role is over TLS, and its version, as the server sees it."""
    with psycopg.connect(server.superuser_conninfo()) as conn:
        return conn.execute("SELECT s.ssl, s.version FROM pg_stat_activity a JOIN pg_stat_ssl s USING (pid)"
                            " WHERE a.usename = %s", (APP_ROLE,)).fetchall()


class serving:
    """`sigill serve` in a subprocess until its readiness probe answers; stopped as systemd stops it."""

    def __init__(self, env: dict[str, str]) -> None:
        self.port = free_port()
        without_libpq = {name: value for name, value in os.environ.items() if not name.startswith("PGSSL")}
        self.process = subprocess.Popen([sys.executable, "-m", "services.cli", "serve", "--port", str(self.port)],
                                        env={**without_libpq, **env}, stdout=subprocess.PIPE,
                                        stderr=subprocess.STDOUT, text=True)

    def __enter__(self) -> str:
        address = f"http://127.0.0.1:{self.port}/"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and self.process.poll() is None:
            try:
                if httpx.get(f"{address}api/v1/ready", timeout=5).status_code == 200:
                    return address
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        self.__exit__()
        raise AssertionError(f"sigill serve did not become ready: {self.output}")

    def __exit__(self, *exc: object) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            self.output, _ = self.process.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.output, _ = self.process.communicate()
        assert re.search(r"Traceback", self.output or "") is None, self.output
