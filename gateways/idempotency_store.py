"""Idempotency keys in PostgreSQL: reserved atomically, answers kept for a day."""

from __future__ import annotations

from typing import Any

from psycopg import errors, sql
from psycopg.types.json import Jsonb
from psycopg_pool import ConnectionPool

from services.idempotency import StoredAnswer

SCHEMA = """
CREATE TABLE IF NOT EXISTS {t} (
    owner text NOT NULL, key text NOT NULL, request_hash bytea NOT NULL, status integer, body jsonb,
    created_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (owner, key))
"""
KEEP = "1 day"


class PostgresIdempotencyStore:
    def __init__(self, conninfo: str, *, schema: str = "public") -> None:
        self._t = sql.Identifier(schema, "sigill_idempotency_keys")
        self._pool = ConnectionPool(conninfo, min_size=1, max_size=4, kwargs={"autocommit": True},
                                    name="sigill-idempotency", open=True)
        try:
            self._run(SCHEMA)
        except (errors.UniqueViolation, errors.DuplicateTable):
            pass

    def close(self) -> None:
        self._pool.close()

    def reserve(self, owner: str, key: str, request_hash: bytes) -> StoredAnswer | None:
        self._run(f"DELETE FROM {{t}} WHERE owner = %s AND key = %s AND created_at < now() - interval '{KEEP}'",
                  (owner, key))
        inserted = self._run("INSERT INTO {t} (owner, key, request_hash) VALUES (%s, %s, %s)"
                             " ON CONFLICT DO NOTHING RETURNING 1", (owner, key, request_hash))
        if inserted:
            return None
        rows = self._run("SELECT request_hash, status, body FROM {t} WHERE owner = %s AND key = %s", (owner, key))
        if not rows:  # released between our insert and select: take it again
            return self.reserve(owner, key, request_hash)
        return StoredAnswer(bytes(rows[0][0]), rows[0][1], rows[0][2])

    def complete(self, owner: str, key: str, status: int, body: Any) -> None:
        self._run("UPDATE {t} SET status = %s, body = %s WHERE owner = %s AND key = %s",
                  (status, Jsonb(body), owner, key))

    def release(self, owner: str, key: str) -> None:
        self._run("DELETE FROM {t} WHERE owner = %s AND key = %s AND status IS NULL", (owner, key))

    def _run(self, statement: str, params: tuple = ()) -> list[tuple]:
        with self._pool.connection() as conn:
            cursor = conn.execute(sql.SQL(statement).format(t=self._t), params)
            return cursor.fetchall() if cursor.description else []
