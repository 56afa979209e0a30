"""An ended year's follow-up statistics as first answered to an evaluator, kept as made (``services.statistics``).

An evaluator may read no case, so two answers of the same year must not differ by one young person: a case erased
between two runs dropped out of its year, and the difference was that young person's kön, age band and route (a
red team, 2026-12-06).  So the first answer of a municipality's year is stored here and every later evaluator is
served it, as published official statistics are.  A row holds the de-identified answer alone — counts ("<5", "..")
and medians, as the evaluator is shown them anyway — keyed by the municipality's code and the year: no case id, no
date finer than the year, nothing of any person.

Append-only (triggers), and where `sigill database setup` keeps the tables' owner apart, the application's role
may only add and read rows (``database_roles.keep_apart``): a published year cannot be rewritten by the application.
"""

from __future__ import annotations

import threading
from datetime import datetime, timezone
from typing import Any

from psycopg import sql
from psycopg.types.json import Json
from psycopg_pool import ConnectionPool

from gateways.append_only import append_only_ddl
from gateways.pg_errors import POOL_WAIT, translated
from gateways.schema_lock import create_schema

TABLE = "sigill_published_statistics"

# ``answer`` is json, not jsonb: kept as the text it was written, key order and all, so that every later answer is
# the first one byte for byte.
SCHEMA = """
CREATE TABLE IF NOT EXISTS {t} (
    municipality text NOT NULL, year integer NOT NULL, answer json NOT NULL, made_at timestamptz NOT NULL,
    PRIMARY KEY (municipality, year));
""" + append_only_ddl("the published statistics are append-only: a year published is never changed", "t")
# The first of two evaluators at once wins; the other's answer is dropped and the winner's read back.
PUBLISH = ("INSERT INTO {t} (municipality, year, answer, made_at) VALUES (%s, %s, %s, %s)"
           " ON CONFLICT (municipality, year) DO NOTHING")
PUBLISHED = "SELECT answer, made_at FROM {t} WHERE municipality = %s AND year = %s"


class PostgresPublishedStatistics:
    """The ``services.ports.PublishedStatistics`` port on PostgreSQL."""

    def __init__(self, conninfo: str, *, schema: str = "public") -> None:
        self._t = sql.Identifier(schema, TABLE)
        refuse = sql.Identifier(schema, "sigill_published_statistics_are_kept")
        create_schema(conninfo, [sql.SQL(SCHEMA).format(t=self._t, refuse=refuse)], schema, creator=TABLE)
        # Evaluators' reads are rare: opened at the first, holding no connection until then.
        self._pool = ConnectionPool(conninfo, min_size=0, max_size=2, kwargs={"autocommit": True},
                                    timeout=POOL_WAIT, name="sigill-published-statistics", open=False,
                                    check=ConnectionPool.check_connection)
        self._opening = threading.Lock()

    def close(self) -> None:
        self._pool.close()

    def published(self, municipality: str, year: int) -> tuple[dict[str, Any], datetime] | None:
        with translated(), self._connection() as conn:
            row = conn.execute(sql.SQL(PUBLISHED).format(t=self._t), (municipality, year)).fetchone()
        return None if row is None else _kept(row)

    def publish(self, municipality: str, year: int, answer: dict[str, Any], made_at: datetime
                ) -> tuple[dict[str, Any], datetime]:
        with translated(), self._connection() as conn:
            conn.execute(sql.SQL(PUBLISH).format(t=self._t), (municipality, year, Json(answer), made_at))
            row = conn.execute(sql.SQL(PUBLISHED).format(t=self._t), (municipality, year)).fetchone()
        return _kept(row)

    def _connection(self) -> Any:
        with self._opening:
            if self._pool.closed:
                self._pool.open()
        return self._pool.connection()


def _kept(row: tuple[Any, datetime]) -> tuple[dict[str, Any], datetime]:
    """The answer and when it was made, in UTC: timestamptz comes back in the session's TimeZone (the server's, a
    role's, PGTZ of the process), and a process under another one said the same ``fixed_at`` as "…+01:00" where
    the first had said "…Z" — the same moment, not the same bytes."""
    return row[0], row[1].astimezone(timezone.utc)
