"""One follower works on a database at a time: a PostgreSQL advisory lock, held on a connection of its own.

Every `sigill serve` and `sigill follow` runs a follower (views, ledger, calendar, feeds).  Two at once are
safe — a view batch from a stale position is refused, a feed message sent twice is absorbed by the consumer's
deduplication — but they do every piece of work twice and send every message twice.  So an operator may run
the server on two hosts and a follower beside them: one follower works, the others stand by and take over
when its session ends (its process stopped or died, or its host lost the database).

The lock lives exactly as long as its session.  After a database restart the holder learns that its session
ended only at its next check (``held``), so for up to one check interval two followers may both work: safe, as
above, and the reason the lock is about duplicated work, not about correctness.
"""

from __future__ import annotations

import hashlib
import logging
import threading

import psycopg

log = logging.getLogger("sigill.follow")


def lock_key(schema: str) -> int:
    """The advisory lock's key (a signed 64-bit number) for the followers of one schema: schemas in one
    database are separate installations, and each has its own follower."""
    digest = hashlib.blake2b(f"sigill-follower/{schema}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def probe_connection(conninfo: str, timeout: int) -> psycopg.Connection:
    """A connection for a probe: given up on after ``timeout`` seconds, connecting or asking."""
    return psycopg.connect(conninfo, connect_timeout=timeout, autocommit=True,
                           options=f"-c statement_timeout={timeout * 1000}")


def lock_held(conn: psycopg.Connection, schema: str) -> bool:
    """Whether some session holds the followers' lock of this database and schema.  (Advisory locks are per
    database: another database's follower on the same server is not ours.)"""
    unsigned = lock_key(schema) & 0xFFFF_FFFF_FFFF_FFFF   # pg_locks shows a bigint key as two oids
    return conn.execute("SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted"
                        " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
                        " AND classid = %s::oid AND objid = %s::oid AND objsubid = 1)",
                        (unsigned >> 32, unsigned & 0xFFFF_FFFF)).fetchone()[0]


class FollowerLock:
    def __init__(self, conninfo: str, schema: str = "public", *, retry_every: float = 2.0) -> None:
        self._conninfo, self.key, self.retry_every = conninfo, lock_key(schema), retry_every
        self._conn: psycopg.Connection | None = None
        self._holding = False

    def acquire(self, stop: threading.Event) -> bool:
        """Wait until this process holds the lock (True) or ``stop`` is set (False)."""
        said = False
        while not stop.is_set():
            try:
                if self._try():
                    return True
                if not said:
                    log.info("another follower works on this database; standing by")
                    said = True
            except (psycopg.Error, OSError) as error:  # the class only: the text could quote the conninfo
                self._close()
                said = False   # standing by again is said again: else the log's last word was this warning
                log.warning("the database cannot be reached (%s); retrying in %.0f s", type(error).__qualname__,
                            self.retry_every)
            stop.wait(self.retry_every)
        return False

    def held(self) -> bool:
        """Whether the lock is still this process's: one round trip on its session (False once the session
        ended — a database restart, an administrator's pg_terminate_backend — which released the lock)."""
        if self._conn is None or not self._holding:
            return False
        try:
            self._conn.execute("SELECT 1")
            return True
        except (psycopg.Error, OSError):
            self._close()
            return False

    def release(self) -> None:
        """Give the lock up (ending its session ends it, whatever state the session is in)."""
        self._close()

    def _try(self) -> bool:
        if self._conn is None or self._conn.closed:
            self._conn = psycopg.connect(self._conninfo, autocommit=True, application_name="sigill-follower-lock")
        row = self._conn.execute("SELECT pg_try_advisory_lock(%s)", (self.key,)).fetchone()
        self._holding = bool(row and row[0])
        return self._holding

    def _close(self) -> None:
        conn, self._conn, self._holding = self._conn, None, False
        if conn is not None:
            try:
                conn.close()
            except (psycopg.Error, OSError):
                pass
