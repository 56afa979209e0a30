"""Shared fixtures: a real PostgreSQL for integration tests — started by the suite, never skipped.

Set SIGILL_TEST_POSTGRES_URL to use an external server instead of the
embedded one.  Each test that asks for ``postgres`` gets a fresh database.
"""

from __future__ import annotations

import os
from typing import Iterator
from uuid import uuid4

import psycopg
import pytest
from hypothesis import settings as hypothesis_settings
from psycopg import sql

from gateways.embedded_postgres import PostgresLocation, create_database, location_from_url, start_embedded
from tests.kafka_broker import kafka_broker  # noqa: F401  (a real Kafka-protocol broker, session-wide)
from tests.loop_guard import pytest_runtest_teardown  # noqa: F401  (no test leaves a loop running)

# No time limit on a property test's example (Hypothesis's default is 200 ms): a pause of the loaded machine, or a
# garbage collection late in the suite's one process, can fail an example that takes a millisecond ("Unreliable
# test timings").  Most property tests here said deadline=None already; this makes it so for those that did not.
# A history Hypothesis finds failing is printed with the blob that replays it (@reproduce_failure): a clean clone
# in CI keeps no example database, and the random history would otherwise be lost with the run.
hypothesis_settings.register_profile("sigill", deadline=None, print_blob=True)
hypothesis_settings.load_profile("sigill")


@pytest.fixture(scope="session")
def postgres_server(tmp_path_factory) -> PostgresLocation:
    url = os.environ.get("SIGILL_TEST_POSTGRES_URL")
    if url:
        return location_from_url(url)
    return start_embedded(tmp_path_factory.mktemp("pg") / "data")


@pytest.fixture
def postgres(postgres_server) -> Iterator[PostgresLocation]:
    location = create_database(postgres_server, f"t_{uuid4().hex[:12]}")
    yield location
    drop_database(postgres_server, location.dbname)


def drop_database(server: PostgresLocation, name: str) -> None:
    """Drop a test's database once the test is done with it: each holds ~8 MB on disk, and a full run made
    ~600 of them (5 GB), which once filled the disk CI shares.  FORCE ends connections a test left open."""
    with psycopg.connect(server.conninfo(), autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
