"""Table creation that is safe when several processes start at once.

``CREATE TABLE IF NOT EXISTS`` is not atomic: two sessions can both find the
table missing, and the second then fails on the catalogue's unique index
(a duplicate type or relation).  Every store creates its tables through here,
under one transaction-level advisory lock: concurrent creators take turns,
the later ones find everything there, and the lock goes with the transaction
(no unlock to forget, none left behind by a crash).
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Iterable, Iterator

import psycopg
from psycopg import sql

SCHEMA_LOCK = 0x5161_11_5D  # an arbitrary advisory lock id, Sigill's own (services.server uses ..5E)


@contextmanager
def schema_lock(conninfo: str) -> Iterator[Any]:
    """Hold Sigill's schema lock for the block, in a transaction of its own connection; yields its cursor.

    DDL run on that cursor commits with the lock's transaction; DDL the block runs on other connections
    (eventsourcing's recorders create their tables on their pool's) is covered too, since the lock is held
    until the block ends."""
    with psycopg.connect(conninfo) as conn, conn.transaction(), conn.cursor() as cursor:
        cursor.execute(sql.SQL("SELECT pg_advisory_xact_lock({})").format(sql.Literal(SCHEMA_LOCK)))
        yield cursor


def conninfo_of(datastore: Any) -> str:
    """The connection string of an eventsourcing PostgreSQL datastore (its pool keeps the parts as keywords)."""
    parts = {k: datastore.pool.kwargs.get(k) for k in ("dbname", "host", "port", "user", "password")}
    return psycopg.conninfo.make_conninfo(**{k: v for k, v in parts.items() if v})


def create_schema(conninfo: str, statements: Iterable[sql.Composable | str]) -> None:
    """Run the DDL statements in one transaction, under the schema lock: all or nothing, one creator at a time."""
    with schema_lock(conninfo) as cursor:
        for statement in statements:
            cursor.execute(sql.SQL(statement) if isinstance(statement, str) else statement)
