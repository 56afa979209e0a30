"""psycopg's errors as eventsourcing's, as its datastore translates them, for the stores on pools of our own.

Everything above the gateways handles a database it cannot reach one way — eventsourcing's
``PersistenceError``: a 503 over HTTP, a "try again" page in the web client — whichever store met it.  An
untranslated psycopg error (a pooled connection cut by a database restart, say) would be a 500.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager, suppress
from typing import Any

import psycopg
from eventsourcing import persistence as es
from psycopg_pool import PoolTimeout


class NoConnection(es.PersistenceError):
    """No pooled connection came within the pool's wait (``POSTGRES_CONNECT_TIMEOUT``): the database is away, or
    every connection is in use.  Deliberately not an ``OperationalError``: eventsourcing retries those up to ten
    times, and each retry would wait as long again — a request during an outage answered only after tens of
    seconds.  A connection cut under a query (a restart) is still an ``OperationalError``, retried at once on a
    new connection."""


# How long a request waits for a pooled connection before ``NoConnection`` (a 503): as long as a new connection may
# take (``POSTGRES_CONNECT_TIMEOUT``, 5 s).  psycopg_pool's default of 30 s held a caseworker's form that long in an
# outage before the same 503; each pool of our own waits this.
POOL_WAIT = 5.0

# Most specific first.
TRANSLATED: tuple[tuple[type[Exception], type[Exception]], ...] = (
    (PoolTimeout, NoConnection),
    (psycopg.InterfaceError, es.InterfaceError), (psycopg.OperationalError, es.OperationalError),
    (psycopg.DataError, es.DataError), (psycopg.IntegrityError, es.IntegrityError),
    (psycopg.InternalError, es.InternalError), (psycopg.ProgrammingError, es.ProgrammingError),
    (psycopg.NotSupportedError, es.NotSupportedError), (psycopg.DatabaseError, es.DatabaseError),
    (psycopg.Error, es.PersistenceError))


def ours(error: psycopg.Error) -> Exception:
    """The eventsourcing error for a psycopg one, its text kept: PostgreSQL's message, which may quote a value
    (log the class only, as the API and the web client do)."""
    return next(mine(str(error)) for theirs, mine in TRANSLATED if isinstance(error, theirs))


@contextmanager
def translated() -> Iterator[None]:
    try:
        yield
    except psycopg.Error as error:
        raise ours(error) from error


def ready(pool: Any) -> Any:
    """``pool`` once its first connection is made: a pool opened with a minimum makes it in the background, and a
    read that came first found the pool empty and made it grow, for good (a process that reads in one thread held
    two; seen on a busy machine)."""
    with translated():
        pool.wait(POOL_WAIT)   # closes the pool, and raises, if none comes in time
    return pool


@asynccontextmanager
async def translated_async() -> AsyncIterator[None]:
    try:
        yield
    except psycopg.Error as error:
        raise ours(error) from error


@contextmanager
def rolled_back_after_error(conn: Any) -> Iterator[None]:
    """Leave the pooled connection out of any transaction an error cut short; the first error is the one told."""
    try:
        yield
    except BaseException:
        if conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
            with suppress(Exception):  # the connection is broken: the pool discards it
                conn.execute(b"ROLLBACK")
        raise


@asynccontextmanager
async def rolled_back_after_error_async(conn: Any) -> AsyncIterator[None]:
    """``rolled_back_after_error`` on an asynchronous connection."""
    try:
        yield
    except BaseException:
        if conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
            with suppress(Exception):
                await conn.execute(b"ROLLBACK")
        raise
