"""One moment of the database for `sigill audit verify`: its read-only checks (the ledger's chain, the access log, the
auditors' index both ways, the erasures) read in one REPEATABLE READ READ ONLY transaction, so that each judges the
database as the others found it — the index held to the very events the chain vouched for, not to a later commit's.

One connection, and a second for the chain's walk only (``beside``): the events and the ledger are read as two
ordered scans in parallel, twice as fast on two cores as one join (``ledger_store.pairs``); it reads the same
snapshot, exported and imported.  Each check runs in a savepoint (``read``): a role not granted one check's tables
is refused that check alone, and the transaction — its snapshot with it — stays usable for the next.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Callable, Iterator, TypeVar

import psycopg
from psycopg import sql

T = TypeVar("T")


class ReadSnapshot:
    """A read-only transaction's connection (``conn``), open for the ``read_snapshot`` block."""

    def __init__(self, conn: psycopg.Connection, conninfo: str) -> None:
        self.conn, self._conninfo = conn, conninfo

    def read(self, check: Callable[[psycopg.Connection], T]) -> T:
        """``check`` on the snapshot's connection, in a savepoint: its error (a refused role's) is raised, and
        rolled back to before it — the transaction aborted by it would refuse every later check."""
        with self.conn.transaction():
            return check(self.conn)

    @contextmanager
    def beside(self) -> Iterator[psycopg.Connection]:
        """A second connection reading this same snapshot (``pg_export_snapshot``), for a scan run in parallel."""
        (exported,) = self.conn.execute("SELECT pg_export_snapshot()").fetchone()
        with psycopg.connect(self._conninfo) as other:
            other.isolation_level, other.read_only = psycopg.IsolationLevel.REPEATABLE_READ, True
            other.execute(sql.SQL("SET TRANSACTION SNAPSHOT {}").format(sql.Literal(exported)))
            yield other


@contextmanager
def read_snapshot(conninfo: str) -> Iterator[ReadSnapshot]:
    """One REPEATABLE READ READ ONLY transaction on ``conninfo``, for the block: its snapshot is taken at its first
    read, and every read after sees the database as it stood then."""
    with psycopg.connect(conninfo) as conn:
        conn.isolation_level, conn.read_only = psycopg.IsolationLevel.REPEATABLE_READ, True
        with conn.transaction():
            yield ReadSnapshot(conn, conninfo)
