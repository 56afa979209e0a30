"""`sigill database status`: what the readiness probe tells an administrator (it tells strangers the status alone),
from the database itself, for an operator on the host or a monitor (--json)."""

from __future__ import annotations

import json
from dataclasses import replace
from uuid import uuid4

import psycopg
from psycopg import sql

from gateways.embedded_postgres import start_embedded
from tests.integration.test_cli import sigill


def test_status_says_whether_a_follower_works_and_how_far_behind_the_views_are(tmp_path):
    env = {"SIGILL_DATA_DIR": str(tmp_path)}
    assert sigill("demo", env=env).returncode == 0   # the demo catches its views up; no follower runs after it
    done = sigill("database", "status", "--json", env=env)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"follower": False, "views_behind": 0, "kafka_unsent": None}
    location = start_embedded(tmp_path / "postgres").with_database("sigill")
    with psycopg.connect(location.conninfo(), autocommit=True) as conn:
        table = conn.execute("SELECT table_name FROM information_schema.tables WHERE table_name LIKE 'agency_views%%'"
                             " AND table_name LIKE '%%tracking'").fetchone()[0]
        conn.execute(f"UPDATE {table} SET notification_id = notification_id - 5")   # as if 5 events came since
    shown = sigill("database", "status", env=env)
    assert shown.returncode == 0 and shown.stdout.splitlines() == [
        "Följare: ingen arbetar — starta `sigill serve` eller `sigill follow` (vyer, flöden, liggare, kalender)",
        "Vyerna: högst 5 lagrade händelser efter"], shown.stdout


def test_status_of_a_database_that_is_not_there_is_one_line_and_exit_1(tmp_path):
    done = sigill("database", "status", env={"SIGILL_DATABASE_URL": "postgresql://nobody@127.0.0.1:9/none"})
    assert done.returncode == 1 and done.stdout == "" and len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert "Traceback" not in done.stderr


def test_status_needs_the_database_alone_not_its_keys(tmp_path):
    """A monitor beside the server, or an operator on the host, is given the database's URL: not the master key (it
    read only counts, yet refused to answer under another key than the one the data keys are wrapped by), the
    ledger's signing key or the sign-in settings — and in production too."""
    env = {"SIGILL_DATA_DIR": str(tmp_path)}
    assert sigill("demo", env=env).returncode == 0
    other_key = sigill("new-master-key", env=env).stdout.strip()
    done = sigill("database", "status", "--json", env={**env, "SIGILL_MASTER_KEY": other_key})
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["views_behind"] == 0
    location = start_embedded(tmp_path / "postgres").with_database("sigill")
    monitor = {"SIGILL_DATA_DIR": str(tmp_path / "monitor"), "SIGILL_ENVIRONMENT": "production",
               "SIGILL_DATABASE_URL": location.url()}
    done = sigill("database", "status", "--json", env=monitor)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"follower": False, "views_behind": 0, "kafka_unsent": None}
    assert not (tmp_path / "monitor").exists()   # nothing made: no key file, no embedded server


def test_status_before_the_views_were_ever_built_counts_every_event_behind(tmp_path):
    env = {"SIGILL_DATA_DIR": str(tmp_path)}
    assert sigill("demo", env=env).returncode == 0
    location = start_embedded(tmp_path / "postgres").with_database("sigill")
    with psycopg.connect(location.conninfo(), autocommit=True) as conn:
        head = conn.execute("SELECT max(notification_id) FROM sigill_events").fetchone()[0]
        table = conn.execute("SELECT table_name FROM information_schema.tables WHERE table_name LIKE 'agency_views%%'"
                             " AND table_name LIKE '%%tracking'").fetchone()[0]
        conn.execute(f"ALTER TABLE {table} RENAME TO views_tracking_aside")   # as before any process built them
    done = sigill("database", "status", "--json", env=env)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["views_behind"] == head


def test_a_role_out_of_connections_is_told_so_not_that_the_database_cannot_be_reached(postgres_server):
    """PostgreSQL says "too many clients" only once every slot is taken; a role that is no superuser — the application's
    in production — meets "remaining connection slots are reserved …" or its own CONNECTION LIMIT first, SQLSTATE
    53300 all, and was told "cannot reach the database", which sent the operator looking for an outage."""
    role = f"limited_{uuid4().hex[:10]}"
    with psycopg.connect(postgres_server.conninfo(), autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE ROLE {} LOGIN CONNECTION LIMIT 0").format(sql.Identifier(role)))
    try:
        done = sigill("database", "status", env={"SIGILL_DATABASE_URL": replace(postgres_server, user=role).url()})
    finally:
        with psycopg.connect(postgres_server.conninfo(), autocommit=True) as conn:
            conn.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(role)))
    assert done.returncode == 1 and len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert done.stderr.startswith(f'sigill: the database refuses more connections (too many connections for role'
                                  f' "{role}")'), done.stderr
    assert "cannot reach" not in done.stderr


def test_a_database_that_refuses_the_sign_in_is_told_so_not_that_it_cannot_be_reached(postgres_server):
    """A wrong database name, role or password in SIGILL_DATABASE_URL: the server answered, and said no — "cannot
    reach the database" sent the operator to the network instead of to the URL."""
    for location in (replace(postgres_server, dbname=f"missing_{uuid4().hex[:8]}"),
                     replace(postgres_server, user=f"nobody_{uuid4().hex[:8]}")):
        done = sigill("database", "status", env={"SIGILL_DATABASE_URL": location.url()})
        assert done.returncode == 1 and len(done.stderr.strip().splitlines()) == 1, done.stderr
        assert done.stderr.startswith("sigill: the database was reached, but refused the connection ("), done.stderr
        assert done.stderr.rstrip().endswith("check the user, password and database name in SIGILL_DATABASE_URL")


def test_status_with_a_schema_that_is_not_there_names_the_setting(tmp_path):
    """The README promises that a SIGILL_DB_SCHEMA naming no schema is said so by every command; `database status`
    said "the database does not answer within 3 s, or holds no Sigill tables" of a database that had answered, and
    sent the operator looking for an outage."""
    env = {"SIGILL_DATA_DIR": str(tmp_path)}
    assert sigill("demo", env=env).returncode == 0
    done = sigill("database", "status", env={**env, "SIGILL_DB_SCHEMA": "sigill_mistyped"})
    assert done.returncode == 1 and done.stdout == "", done.stdout
    assert done.stderr.strip().splitlines() == [
        'sigill: SIGILL_DB_SCHEMA: schema "sigill_mistyped" does not exist in the database (leave the variable'
        " unset, or name the schema Sigill's tables are in)"], done.stderr
