"""The embedded PostgreSQL, locations from URLs, and eventsourcing on top of them."""

from __future__ import annotations

import os
import stat
from uuid import uuid4

import psycopg
import pytest
from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event

from gateways.embedded_postgres import PostgresLocation, create_database, location_from_url, start_embedded


class Counter(Aggregate):
    @event("Started")
    def __init__(self, label: str) -> None:
        self.label, self.count = label, 0

    @event("Counted")
    def count_one(self) -> None:
        self.count += 1


def test_the_server_answers(postgres_server):
    with psycopg.connect(postgres_server.conninfo()) as conn:
        assert conn.execute("SELECT 1").fetchone() == (1,)


def test_creating_a_database_twice_is_harmless(postgres_server):
    name = f"t_{uuid4().hex[:12]}"
    first, second = create_database(postgres_server, name), create_database(postgres_server, name)
    assert first == second == postgres_server.with_database(name)
    with psycopg.connect(second.conninfo()) as conn:
        assert conn.execute("SELECT current_database()").fetchone() == (name,)


@pytest.mark.parametrize("schema", [None, "sigill"])
def test_an_application_saves_and_reloads_an_aggregate(postgres, schema):
    if schema:  # eventsourcing creates its tables, but not the schema they live in
        with psycopg.connect(postgres.conninfo(), autocommit=True) as conn:
            conn.execute(f"CREATE SCHEMA {schema}")
    env = postgres.eventsourcing_env(schema)
    assert "POSTGRES_ENABLE_DB_FUNCTIONS" not in env and env["POSTGRES_LOCK_TIMEOUT"] != "0"
    app = Application(env=env)
    try:
        counter = Counter("visits")
        counter.count_one()
        app.save(counter)
        again = app.repository.get(counter.id)
        assert (again.label, again.count, again.version) == ("visits", 1, 2)
    finally:
        app.close()


def test_a_second_start_joins_the_running_server(postgres_server, tmp_path_factory):
    if os.environ.get("SIGILL_TEST_POSTGRES_URL"):
        data_dir = tmp_path_factory.mktemp("pg-join") / "data"  # the session's server is external: start our own
        assert start_embedded(data_dir) == start_embedded(data_dir)
    else:
        assert start_embedded(_session_data_dir(postgres_server)) == postgres_server


def test_a_data_dir_inside_a_private_home_works(tmp_path_factory):
    """As root the wheel runs PostgreSQL as another user, who must reach the data dir (like /root/.local/share)."""
    home = tmp_path_factory.mktemp("home")
    home.chmod(0o700)
    location = start_embedded(home / ".local" / "share" / "sigill" / "postgres")
    with psycopg.connect(location.conninfo()) as conn:
        assert conn.execute("SELECT 1").fetchone() == (1,)
    if os.geteuid() == 0:  # the wheel opened the way: it adds o+rx to every ancestor
        assert home.stat().st_mode & stat.S_IXOTH


def test_a_location_from_a_url():
    # A URL's server may be across a network: connecting gives up after 10 s unless the URL says otherwise.
    assert location_from_url("postgresql://app:s%40cret@db.example:6543/sigill") == PostgresLocation(
        "db.example", 6543, "sigill", "app", "s@cret", connect_timeout=10)
    assert location_from_url("postgresql://postgres:@/postgres?host=/run/Sigill") == PostgresLocation(
        "/run/Sigill", 5432, "postgres", "postgres", "", connect_timeout=10)
    assert location_from_url("postgresql://u@%2Frun%2FSigill:5433/d").host == "/run/Sigill"
    assert location_from_url("postgres://u@[::1]:5433/d?connect_timeout=30") == PostgresLocation(
        "::1", 5433, "d", "u", "", connect_timeout=30)


def test_a_url_with_settings_we_would_drop_is_refused_without_repeating_it():
    with pytest.raises(ValueError, match="PGSSLMODE") as raised:
        location_from_url("postgresql://app:topsecret@db.example/sigill?sslmode=require")
    assert "topsecret" not in str(raised.value)
    with pytest.raises(ValueError):
        location_from_url("mysql://app@db.example/sigill")


def test_a_location_never_shows_its_password():
    location = PostgresLocation("db.example", 5432, "sigill", "app", "topsecret")
    assert "topsecret" not in repr(location) and "topsecret" in location.conninfo()
    assert location.eventsourcing_env()["POSTGRES_PASSWORD"] == "topsecret"


def _session_data_dir(location: PostgresLocation):
    with psycopg.connect(location.conninfo()) as conn:
        return conn.execute("SHOW data_directory").fetchone()[0]
