"""Several processes starting at once on a fresh database all create the schema, and none fails.

Each child builds everything a process creates tables for — the application (event recorder, data keys),
and the API's context (access log, ledger, agency views, idempotency keys) — released at the same moment.
Without the schema lock, concurrent ``CREATE TABLE IF NOT EXISTS`` collide on the catalogue's unique index.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import psycopg

from services.bootstrap import build_token_verifier

ROOT = Path(__file__).resolve().parents[2]
PROCESSES = 4
CONNECTIONS_EACH = 17   # an application and the API's context hold 16 at once (measured), the schema lock one more
TABLES = {"sigill_events", "sigill_data_keys", "sigill_access_log", "sigill_access_log_checkpoints",
          "sigill_ledger", "sigill_ledger_checkpoints", "sigill_idempotency_keys", "view_facts", "view_cases",
          "disclosure_log", "feed_sequence", "feed_positions", "feed_state"}

CHILD = """
import json, os, sys, time
from pathlib import Path
from gateways.embedded_postgres import PostgresLocation
from services.bootstrap import build_api_context, build_application
from services.settings import Settings

where, go = json.loads(sys.argv[1])
settings = Settings(data_dir=os.environ["CHILD_DATA_DIR"], master_key=os.environ["CHILD_MASTER_KEY"])
location = PostgresLocation(**where)
Path(os.environ["CHILD_DATA_DIR"], f"ready-{os.getpid()}").touch()
while not Path(go).exists():
    time.sleep(0.001)
app = build_application(settings, location=location)
build_api_context(app, settings, location).close()
app.close()
"""


def test_processes_creating_the_schema_at_once_on_a_fresh_database_all_succeed(postgres, settings, master_key,
                                                                                 tmp_path):
    # The data directory's development keys are made first: their files are not what this test is about.
    build_token_verifier(settings)
    settings.ledger_key_bytes()
    where = {"host": postgres.host, "port": postgres.port, "dbname": postgres.dbname, "user": postgres.user,
             "password": postgres.password}
    go = tmp_path / "go"
    env = {**os.environ, "CHILD_DATA_DIR": str(settings.data_dir), "CHILD_MASTER_KEY": master_key,
           "PYTHONPATH": str(ROOT)}
    children = [subprocess.Popen([sys.executable, "-c", CHILD, json.dumps([where, str(go)])], env=env, cwd=ROOT,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                for _ in range(PROCESSES)]
    deadline = time.monotonic() + 90
    while len(list(settings.data_dir.glob("ready-*"))) < PROCESSES and time.monotonic() < deadline:
        if any(c.poll() is not None for c in children):
            break
        time.sleep(0.02)
    _wait_for_room(postgres, PROCESSES * CONNECTIONS_EACH)
    go.touch()  # all released together
    outcomes = [(c.wait(timeout=120), c.stderr.read()) for c in children]
    failures = [err.strip().splitlines()[-1:] for rc, err in outcomes if rc != 0]
    assert not failures, failures
    with psycopg.connect(postgres.conninfo()) as conn:
        names = {r[0] for r in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}
    assert TABLES <= names, TABLES - names


def _wait_for_room(postgres, needed: int, seconds: float = 30) -> None:
    """The suite's one server also serves every earlier test's database: wait (a little) until sessions those
    tests closed have ended and the children's connections fit, so that the test is about the schema lock and
    not about a server full of sessions on their way out ("too many clients" once in CI)."""
    deadline = time.monotonic() + seconds
    with psycopg.connect(postgres.conninfo(), autocommit=True) as conn:
        limit = int(conn.execute("SHOW max_connections").fetchone()[0]) - 5   # the superusers' reserve, and ours
        while time.monotonic() < deadline:
            used = conn.execute("SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend'"
                                ).fetchone()[0]
            if used + needed <= limit:
                return
            time.sleep(0.1)
