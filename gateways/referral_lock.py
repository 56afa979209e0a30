"""Referrals of one municipality take turns: a PostgreSQL transaction-level advisory lock per municipality.

A referral's duplicate check (``services.duplicate_check``) and its append must not interleave with another
referral's of the same municipality: two at once each checked before the other was stored, and both opened a case.
The lock is held on a connection of its own, in a transaction that ends only after the referral's events are
committed on the event store's connections — so the next referral's check, which waits for the lock, sees them.
Every worker and process on the database (the API's workers, the web client, another server) takes the same lock.

The key is the municipality's code (with the schema, so that two installations in one database do not wait for each
other), never anything of the young person: no personnummer, plain or hashed, is kept or sent for this.

The connections come from a pool of their own: a referral waiting for the lock holds one, and the holder's check and
append use the view store's and the event store's pools, which the waiting ones therefore never exhaust.
"""

from __future__ import annotations

import threading
import zlib
from contextlib import contextmanager
from typing import Iterator

import psycopg
from psycopg_pool import ConnectionPool

from gateways.pg_errors import POOL_WAIT
from services.errors import ConcurrentChange

LOCK_CLASS = 0x5161_11_60  # the advisory locks' first key: Sigill's referral turns (…5F: renewals)
POOL_SIZE = 8              # referrals waiting at once in one process, beyond which they wait for a connection
WAIT_SECONDS = 20          # a turn taking that long is stuck: the referral is refused, to be sent again


class PostgresReferralTurns:
    """The ``services.ports.ReferralTurns`` port on PostgreSQL."""

    def __init__(self, conninfo: str, *, schema: str = "public") -> None:
        self._schema = schema
        # Referrals are rare (a caseworker's, now and then): the pool is opened at the first (a command line that
        # opens no case starts none of its threads) and holds no connection until then.  Each is checked as it is
        # taken: one cut by a database restart is replaced rather than failing a referral.
        self._pool = ConnectionPool(conninfo, min_size=0, max_size=POOL_SIZE, kwargs={"autocommit": True},
                                    timeout=POOL_WAIT, name="sigill-referral-turns", open=False,
                                    check=ConnectionPool.check_connection)
        self._opening = threading.Lock()

    def close(self) -> None:
        self._pool.close()

    @contextmanager
    def turn(self, municipality: str) -> Iterator[None]:
        with self._opening:
            if self._pool.closed:
                self._pool.open()
        with self._pool.connection() as conn:   # a failure before the block: rolled back as the pool takes it back
            conn.execute(f"BEGIN; SET LOCAL lock_timeout = '{WAIT_SECONDS}s'")
            try:
                conn.execute("SELECT pg_advisory_xact_lock(%s, %s)", (LOCK_CLASS, lock_key(self._schema, municipality)))
            except psycopg.errors.LockNotAvailable:
                raise ConcurrentChange("other referrals of the municipality are being registered and this one's turn"
                                       " did not come; try again", field=None) from None
            try:
                yield
            finally:
                _end_turn(conn)


def _end_turn(conn: psycopg.Connection) -> None:
    """The transaction ended, and the lock with it (nothing was written in it: ROLLBACK).  A connection lost by now
    took the lock with it, and the referral's case is committed or not on its own: its answer stands."""
    try:
        conn.execute("ROLLBACK")
    except psycopg.Error:
        pass


def lock_key(schema: str, municipality: str) -> int:
    """The advisory lock's second key (a signed 32-bit number) for one municipality of one schema; two that
    collide only take turns with each other."""
    return int.from_bytes(zlib.crc32(f"{schema}/{municipality}".encode()).to_bytes(4, "big"), "big", signed=True)
