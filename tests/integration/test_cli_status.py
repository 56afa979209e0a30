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
    assert json.loads(done.stdout) == {"follower": False, "views_behind": 0, "kafka_unsent": None,
                                       "master_key": "unwraps",   # the data directory's master.key
                                       "database_tls": "local"}   # the embedded server's socket
    location = start_embedded(tmp_path / "postgres").with_database("sigill")
    with psycopg.connect(location.conninfo(), autocommit=True) as conn:
        table = conn.execute("SELECT table_name FROM information_schema.tables WHERE table_name LIKE 'agency_views%%'"
                             " AND table_name LIKE '%%tracking'").fetchone()[0]
        conn.execute(f"UPDATE {table} SET notification_id = notification_id - 5")   # as if 5 events came since
    shown = sigill("database", "status", env=env)
    assert shown.returncode == 0 and shown.stdout.splitlines() == [
        "Följare: ingen arbetar — starta `sigill serve` eller `sigill follow` (vyer, flöden, liggare, kalender)",
        "Vyerna: högst 5 lagrade händelser efter",
        "Huvudnyckeln: packar upp de lagrade datanycklarna"], shown.stdout


def test_status_of_a_database_that_is_not_there_is_one_line_and_exit_1(tmp_path):
    done = sigill("database", "status", env={"SIGILL_DATABASE_URL": "postgresql://nobody@127.0.0.1:9/none"})
    assert done.returncode == 1 and done.stdout == "" and len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert "Traceback" not in done.stderr


def test_status_needs_the_database_alone_not_its_keys(tmp_path):
    """A monitor beside the server, or an operator on the host, is given the database's URL: not the master key (it
    read only counts, yet refused to answer under another key than the one the data keys are wrapped by), the
    ledger's signing key or the sign-in settings — and in production too.  Given no master key, it judges none."""
    env = {"SIGILL_DATA_DIR": str(tmp_path)}
    assert sigill("demo", env=env).returncode == 0
    location = start_embedded(tmp_path / "postgres").with_database("sigill")
    monitor = {"SIGILL_DATA_DIR": str(tmp_path / "monitor"), "SIGILL_ENVIRONMENT": "production",
               "SIGILL_DATABASE_URL": location.url()}
    done = sigill("database", "status", "--json", env=monitor)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"follower": False, "views_behind": 0, "kafka_unsent": None,
                                       "master_key": None, "database_tls": "local"}
    assert not (tmp_path / "monitor").exists()   # nothing made: no key file, no embedded server
    shown = sigill("database", "status", env=monitor)
    assert shown.returncode == 0 and not [line for line in shown.stdout.splitlines() if "Huvudnyckeln" in line]
    assert shown.stdout.splitlines()[-1] == ("Databasens TLS: behövs inte — databasen nås på den här datorn"
                                             " (unix-uttag eller loopback)")   # a socket, in production too


def test_status_under_a_master_key_serve_would_refuse_says_so_in_one_line_and_exit_1(tmp_path):
    """It read the counts and said all was well (exit 0) with a master key `sigill serve` refuses to start with
    ("cannot unwrap the stored data keys"): an operator checking the environment before a start learnt nothing.
    The counts are still told; the key never is."""
    env = {"SIGILL_DATA_DIR": str(tmp_path)}
    assert sigill("demo", env=env).returncode == 0
    in_use = (tmp_path / "master.key").read_text().strip()
    other_key = sigill("new-master-key", env=env).stdout.strip()
    other = {**env, "SIGILL_MASTER_KEY": other_key}
    done = sigill("database", "status", "--json", env=other)
    assert done.returncode == 1
    assert json.loads(done.stdout) == {"follower": False, "views_behind": 0, "kafka_unsent": None,
                                       "master_key": "wrong", "database_tls": "local"}
    assert done.stderr.strip().splitlines() == [
        "sigill: SIGILL_MASTER_KEY does not unwrap the stored data keys, so `sigill serve` would refuse to start: set"
        " it to the master key they were wrapped with (during a rotation: the new key once `sigill database"
        " rotate-master-key` has run, the old one as SIGILL_PREVIOUS_MASTER_KEY)"], done.stderr
    assert sigill("serve", "--port", "9", env=other).returncode == 78   # as serve itself says: it refuses (EX_CONFIG)
    shown = sigill("database", "status", env=other)
    assert shown.returncode == 1 and shown.stdout.splitlines()[:2] == [
        "Följare: ingen arbetar — starta `sigill serve` eller `sigill follow` (vyer, flöden, liggare, kalender)",
        "Vyerna: à jour"], shown.stdout
    rotating = sigill("database", "status", env={**other, "SIGILL_PREVIOUS_MASTER_KEY": in_use})
    assert rotating.returncode == 1 and rotating.stderr.strip().splitlines() == [
        "sigill: SIGILL_MASTER_KEY does not unwrap the stored data keys, SIGILL_PREVIOUS_MASTER_KEY does: the"
        " rotation has not run, and `sigill serve` would refuse to start — stop every Sigill process and run `sigill"
        " database rotate-master-key` (deploy/README.md, section 2)"], rotating.stderr
    malformed = sigill("database", "status", env={**env, "SIGILL_MASTER_KEY": "not-base64!"})
    assert malformed.returncode == 1 and malformed.stdout == ""
    assert malformed.stderr.strip().splitlines() == ["sigill: SIGILL_MASTER_KEY is not valid base64"]
    for answer in (done, shown, rotating, malformed):
        assert in_use not in answer.stdout + answer.stderr and other_key not in answer.stdout + answer.stderr
    (tmp_path / "master.key").write_text(other_key + "\n")   # development: the data directory's key is the one
    development = sigill("database", "status", env=env)
    assert development.returncode == 1 and development.stderr.startswith(
        f"sigill: {tmp_path / 'master.key'} (the development master key, used while SIGILL_MASTER_KEY is unset) does"
        " not unwrap the stored data keys"), development.stderr


def test_status_in_production_under_the_development_key_says_serve_would_refuse(tmp_path):
    """The development master key given as production's SIGILL_MASTER_KEY unwraps the stored keys, and status said
    "Huvudnyckeln: packar upp …", exit 0, where `sigill serve` refuses to start ("is the development key")."""
    env = {"SIGILL_DATA_DIR": str(tmp_path)}
    assert sigill("demo", env=env).returncode == 0
    location = start_embedded(tmp_path / "postgres").with_database("sigill")
    development_key = (tmp_path / "master.key").read_text().strip()
    production = {**env, "SIGILL_ENVIRONMENT": "production", "SIGILL_DATABASE_URL": location.url(),
                  "SIGILL_MASTER_KEY": development_key}
    done = sigill("database", "status", "--json", env=production)
    assert done.returncode == 1 and json.loads(done.stdout)["master_key"] == "unwraps"
    assert done.stderr.strip().splitlines() == [
        "sigill: SIGILL_MASTER_KEY is the development key, so `sigill serve` would refuse to start in production: make"
        " a production key (`sigill new-master-key`) and rotate to it, the development key as"
        " SIGILL_PREVIOUS_MASTER_KEY (deploy/README.md, section 2)"], done.stderr
    assert development_key not in done.stdout + done.stderr


def test_status_with_a_master_key_file_others_may_read_refuses_as_every_command_does(tmp_path):
    env = {"SIGILL_DATA_DIR": str(tmp_path)}
    assert sigill("demo", env=env).returncode == 0
    key_file = tmp_path / "master.key"
    key_file.chmod(0o644)
    done = sigill("database", "status", env=env)
    assert done.returncode == 1 and done.stdout == "", done.stdout
    assert done.stderr.strip().splitlines() == [
        f"sigill: {key_file} holds a private key and other users may open it (mode 0644): run `chmod 600 {key_file}`"]


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
        'sigill: SIGILL_DB_SCHEMA: schema "sigill_mistyped" does not exist in the database: correct the name, leave'
        " the variable unset, or create the schema owned by the role that owns Sigill's tables (CREATE SCHEMA …"
        " AUTHORIZATION <that role>) and, in production, run `sigill database setup` as that role (deploy/README.md,"
        " section 1)"], done.stderr   # `sigill serve`'s line (one text): it said "name the schema" alone


def test_status_of_the_example_files_database_url_says_it_still_holds_the_placeholder(tmp_path):
    """deploy/sigill.env.example's SIGILL_DATABASE_URL left as it is: status said the database does not answer within
    3 s (after waiting for db.internal), sending the operator to look for an outage, where every other command names
    the placeholder."""
    env = {"SIGILL_DATA_DIR": str(tmp_path),
           "SIGILL_DATABASE_URL": "postgresql://sigill:CHANGE-ME@db.internal:5432/sigill"}
    done = sigill("database", "status", env=env)
    assert done.returncode == 1 and done.stdout == "", done.stdout
    assert done.stderr.strip().splitlines() == [
        "sigill: SIGILL_DATABASE_URL still holds CHANGE-ME, the placeholder of deploy/sigill.env.example: set the real"
        " value"], done.stderr
