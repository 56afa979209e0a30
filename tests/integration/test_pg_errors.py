"""Our own pools' psycopg errors become eventsourcing's, which the API answers with a 503 and the web client with
its "try again" page — a connection cut by a database restart is never a 500."""

from __future__ import annotations

import psycopg
from eventsourcing.persistence import OperationalError
from psycopg_pool import ConnectionPool

from gateways.pg_errors import translated


def test_a_query_on_a_cut_connection_is_the_persistence_error_that_every_caller_answers_with_a_503(postgres):
    with ConnectionPool(postgres.conninfo(), min_size=1, max_size=1, open=True) as pool:
        with pool.connection() as conn:
            pid = conn.execute("SELECT pg_backend_pid()").fetchone()[0]
        with psycopg.connect(postgres.conninfo(), autocommit=True) as killer:
            killer.execute("SELECT pg_terminate_backend(%s)", (pid,))
        try:
            with translated(), pool.connection() as conn:
                conn.execute("SELECT 1")
            raise AssertionError("a cut connection should have failed")
        except OperationalError as error:
            assert isinstance(error.__cause__, psycopg.OperationalError)
