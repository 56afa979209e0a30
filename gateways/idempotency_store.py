"""Idempotency keys in PostgreSQL: answers written by the event recorder with their events, kept for a day.

``insert_answers`` runs inside the recorder's transaction, so a key's row
exists exactly when its command's events do.  ``PostgresIdempotencyStore``
only reads (and forgets answers older than a day).

A row's ``owner`` is the sign-in that stored it and its ``key`` the client's
key, both keyed hashes (``services.idempotency``): neither names anyone.
"""

from __future__ import annotations

from typing import Any, Sequence

from psycopg import sql
from psycopg.types.json import Jsonb
from psycopg_pool import ConnectionPool

from gateways.pg_errors import POOL_WAIT, ready, translated
from gateways.schema_lock import create_schema
from services.idempotency import AnswerAlreadyStored, AnswerRow, StoredAnswer

TABLE = "sigill_idempotency_keys"
SCHEMA = """
CREATE TABLE IF NOT EXISTS {t} (
    owner text NOT NULL, key text NOT NULL, request_hash bytea NOT NULL, status integer, body jsonb,
    created_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (owner, key));
CREATE INDEX IF NOT EXISTS sigill_idempotency_keys_by_age ON {t} (created_at)
"""
KEEP = "1 day"
# Rows that lost their owner's process before an answer existed (the way keys worked before answers were
# committed with the events) hold no answer: they are dropped, so they never block a retry.
FORGET = (f"DELETE FROM {{t}} WHERE owner = %s AND key = %s"
          f" AND (created_at < now() - interval '{KEEP}' OR status IS NULL)")
# Every answer past its day, whoever's: a key used once is never looked up again, and a row of an owner no sign-in
# is named by any more (the subject in the clear, before owners were sign-ins) never would be.  Run at each start:
# the index on created_at (SCHEMA) makes it a probe for the old rows, not a scan of the day's keys.
EXPIRED = f"DELETE FROM {{t}} WHERE created_at < now() - interval '{KEEP}'"
INSERT = ("INSERT INTO {t} (owner, key, request_hash, status, body)"
          " SELECT * FROM unnest(%s::text[], %s::text[], %s::bytea[], %s::integer[], %s::jsonb[])"
          " ON CONFLICT DO NOTHING")


def answers_table(schema: str) -> sql.Composed:
    return sql.SQL(SCHEMA).format(t=sql.Identifier(schema, TABLE))


def insert_answers(cursor: Any, schema: str, answers: Sequence[AnswerRow]) -> None:
    """Write the answers in the caller's transaction; AnswerAlreadyStored if any key is taken (roll back then)."""
    cursor.execute(*answers_insert(schema, answers))
    check_answers_inserted(cursor.rowcount, answers)


def answers_insert(schema: str, answers: Sequence[AnswerRow]) -> tuple[sql.Composed, tuple[list, ...]]:
    """The statement and parameters that write the answers (a synchronous or an asynchronous cursor runs it)."""
    return (sql.SQL(INSERT).format(t=sql.Identifier(schema, TABLE)),
            ([a.owner for a in answers], [a.key for a in answers], [a.request_hash for a in answers],
             [a.status for a in answers], [Jsonb(a.body) for a in answers]))


def check_answers_inserted(rowcount: int, answers: Sequence[AnswerRow]) -> None:
    if rowcount != len(answers):
        raise AnswerAlreadyStored("a request with this Idempotency-Key was recorded first")


class PostgresIdempotencyStore:
    def __init__(self, conninfo: str, *, schema: str = "public") -> None:
        self._t = sql.Identifier(schema, TABLE)
        create_schema(conninfo, [answers_table(schema)], schema, creator=TABLE)
        # Checked before each use: after a database restart, a pooled connection is dead, and a keyed command
        # must not be refused (503) for it.
        self._pool = ready(ConnectionPool(conninfo, min_size=1, max_size=4, kwargs={"autocommit": True},
                                          name="sigill-idempotency", open=True,
                                          check=ConnectionPool.check_connection, timeout=POOL_WAIT))
        self.forget_expired()

    def forget_expired(self) -> int:
        """Delete every answer older than a day (at each start); how many were."""
        with translated(), self._pool.connection() as conn:
            return conn.execute(sql.SQL(EXPIRED).format(t=self._t)).rowcount

    def close(self) -> None:
        self._pool.close()

    def find(self, owner: str, key: str) -> StoredAnswer | None:
        with translated(), self._pool.connection() as conn:
            conn.execute(sql.SQL(FORGET).format(t=self._t), (owner, key))
            row = conn.execute(sql.SQL("SELECT request_hash, status, body FROM {t} WHERE owner = %s AND key = %s")
                               .format(t=self._t), (owner, key)).fetchone()
        return None if row is None else StoredAnswer(bytes(row[0]), row[1], row[2])
