"""Signed-out web sessions in PostgreSQL, for every worker of the server (``services.web.signed_out``).

A row is a keyed hash of the session's token (never the token) and when the token expires; rows whose token has
expired are deleted as others are added.
"""

from __future__ import annotations

from datetime import datetime

from psycopg import sql
from psycopg_pool import ConnectionPool

from gateways.pg_errors import ready
from gateways.schema_lock import create_schema

TABLE = "sigill_web_signed_out"
SCHEMA = "CREATE TABLE IF NOT EXISTS {t} (token_mac bytea PRIMARY KEY, until timestamptz NOT NULL)"
END = "INSERT INTO {t} (token_mac, until) VALUES (%s, %s) ON CONFLICT (token_mac) DO NOTHING"
FORGET = "DELETE FROM {t} WHERE until < now()"
ENDED = "SELECT EXISTS (SELECT 1 FROM {t} WHERE token_mac = %s AND until > now())"


class PostgresSignedOut:
    def __init__(self, conninfo: str, *, schema: str = "public") -> None:
        self._t = sql.Identifier(schema, TABLE)
        create_schema(conninfo, [sql.SQL(SCHEMA).format(t=self._t)], schema, creator=TABLE)
        # Every page asks: a small pool, each connection checked as it is taken (a database restart cuts them).
        # Ready before the first page's read, which would otherwise make it grow (``pg_errors.ready``).
        self._pool = ready(ConnectionPool(conninfo, min_size=1, max_size=4, kwargs={"autocommit": True}, timeout=5,
                                          name="sigill-signed-out", open=True, check=ConnectionPool.check_connection))

    def close(self) -> None:
        self._pool.close()

    def end(self, token_mac: bytes, until: datetime) -> None:
        with self._pool.connection() as conn:
            conn.execute(sql.SQL(END).format(t=self._t), (token_mac, until))
            conn.execute(sql.SQL(FORGET).format(t=self._t))

    def ended(self, token_mac: bytes) -> bool:
        with self._pool.connection() as conn:
            return bool(conn.execute(sql.SQL(ENDED).format(t=self._t), (token_mac,)).fetchone()[0])
