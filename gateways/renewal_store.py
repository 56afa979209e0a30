"""Session renewals shared by every worker for a short window, in PostgreSQL (services/web/renewal.py).

A row is keyed by a keyed hash of the refresh token that was spent and holds the renewal's answer sealed by
the caller: neither token is ever stored readable.  Workers renewing the same session take turns on an
advisory lock of that key, so exactly one asks the provider and the others read its answer.  Rows are deleted
once their window has passed (at the next renewal).
"""

from __future__ import annotations

from typing import Callable

import psycopg
from psycopg import sql
from psycopg_pool import ConnectionPool

from gateways.schema_lock import create_schema
from services.web.renewal import RenewalStoreUnavailable

TABLE = "sigill_web_renewals"
SCHEMA = ("CREATE TABLE IF NOT EXISTS {t} (spent_token_mac bytea PRIMARY KEY, sealed_answer bytea NOT NULL,"
          " renewed_at timestamptz NOT NULL DEFAULT clock_timestamp())")
LOCK_CLASS = 0x5161_11_5F  # the advisory locks' first key: Sigill's renewals (the second: from the token's MAC)
RECENT = ("SELECT sealed_answer FROM {t} WHERE spent_token_mac = %s"
          " AND renewed_at > clock_timestamp() - make_interval(secs => %s)")
STORE = ("INSERT INTO {t} (spent_token_mac, sealed_answer) VALUES (%s, %s) ON CONFLICT (spent_token_mac)"
         " DO UPDATE SET sealed_answer = EXCLUDED.sealed_answer, renewed_at = clock_timestamp()")
FORGET = "DELETE FROM {t} WHERE renewed_at < clock_timestamp() - make_interval(secs => %s)"


class PostgresRenewals:
    """The renewal port (``services.web.renewal.SharedRenewals``) over one database, for every worker."""

    def __init__(self, conninfo: str, *, schema: str = "public") -> None:
        self._t = sql.Identifier(schema, TABLE)
        create_schema(conninfo, [sql.SQL(SCHEMA).format(t=self._t)], schema, creator=TABLE)
        # Renewals are rare (once per session life): a small pool that holds no connection until the first.
        # A short wait for a connection: with the database down the session is kept and renewed later.  Each
        # connection is checked as it is taken (rare, so affordable): one cut by a database restart is replaced.
        self._pool = ConnectionPool(conninfo, min_size=0, max_size=2, kwargs={"autocommit": True}, timeout=5,
                                    name="sigill-renewals", open=True, check=ConnectionPool.check_connection)

    def close(self) -> None:
        self._pool.close()

    def once(self, token_mac: bytes, window: float, renew: Callable[[], bytes]) -> bytes:
        """The answer stored for ``token_mac`` within ``window`` seconds; else ``renew()``'s, stored for the others.

        ``renew`` runs while this key's lock is held, so a worker with the same token waits for its answer
        instead of spending the token again; if it raises, nothing is stored and the next in turn tries."""
        try:
            return self._once(token_mac, window, renew)
        except psycopg.Error as error:  # the database down, or no connection within the pool's timeout
            raise RenewalStoreUnavailable(type(error).__name__) from None

    def _once(self, token_mac: bytes, window: float, renew: Callable[[], bytes]) -> bytes:
        with self._pool.connection() as conn, conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s, %s)",
                         (LOCK_CLASS, int.from_bytes(token_mac[:4], "big", signed=True)))
            row = conn.execute(sql.SQL(RECENT).format(t=self._t), (token_mac, window)).fetchone()
            if row is not None:
                return bytes(row[0])
            answer = renew()
            conn.execute(sql.SQL(STORE).format(t=self._t), (token_mac, answer))
            conn.execute(sql.SQL(FORGET).format(t=self._t), (window,))
            return answer
