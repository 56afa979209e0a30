"""Shared fixtures: a real PostgreSQL for integration tests — started by the suite, never skipped.

Set SIGILL_TEST_POSTGRES_URL to use an external server instead of the
embedded one.  Each test that asks for ``postgres`` gets a fresh database.
"""

from __future__ import annotations

import os
from uuid import uuid4

import pytest

from gateways.embedded_postgres import PostgresLocation, create_database, location_from_url, start_embedded
from tests.kafka_broker import kafka_broker  # noqa: F401  (a real Kafka-protocol broker, session-wide)


@pytest.fixture(scope="session")
def postgres_server(tmp_path_factory) -> PostgresLocation:
    url = os.environ.get("SIGILL_TEST_POSTGRES_URL")
    if url:
        return location_from_url(url)
    return start_embedded(tmp_path_factory.mktemp("pg") / "data")


@pytest.fixture
def postgres(postgres_server) -> PostgresLocation:
    return create_database(postgres_server, f"t_{uuid4().hex[:12]}")
