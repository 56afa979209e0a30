"""eventsourcing's PostgreSQL infrastructure, its datastore failing fast when no connection can be had.

The library's reads and inserts are retried up to ten times on an ``OperationalError``, and psycopg's pool
reports "no connection within the wait" as one: with the database away, every retry waited the whole
``POSTGRES_CONNECT_TIMEOUT`` again, so a caseworker's page or an API read answered 503 only after 20–50 s, its
thread held all along.  Here that one error is ``NoConnection`` instead (see ``gateways.pg_errors``), which
nothing retries: the 503 comes after one wait.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from eventsourcing import persistence as es
from eventsourcing.postgres import PostgresDatastore, PostgresFactory
from eventsourcing.utils import Environment
from psycopg_pool import PoolTimeout

from gateways.pg_errors import NoConnection


class FailFastDatastore(PostgresDatastore):
    @contextmanager
    def get_connection(self) -> Iterator[Any]:
        try:
            with super().get_connection() as conn:
                yield conn
        except es.OperationalError as error:
            if isinstance(error.__cause__, PoolTimeout):
                raise NoConnection(str(error)) from error.__cause__
            raise


class SigillPostgresFactory(PostgresFactory):
    def __init__(self, env: Environment) -> None:
        super().__init__(env)
        # The library builds its datastore from a dozen settings with no hook for the class: the same object,
        # given the subclass whose only change is the method above.
        self.datastore.__class__ = FailFastDatastore
