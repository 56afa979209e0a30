"""The event store's two hot statements for a worker's event loop: a case's newer events, and a save.

A command over HTTP used to run in the thread pool: a hop from the event loop
to a thread and back, a group commit that woke one thread per save, and the
GIL passed to and fro at each database answer.  On two cores that hopping
cost more than the command's own work.  Here the same statements go over
asynchronous connections on the worker's event loop, so a command never
leaves it: nothing is decided differently, only who waits.

* **The same transactions as ``SigillApplicationRecorder``** — the very bytes
  it renders: BEGIN, the lock timeout and NOTIFY first (a stale connection
  fails there and is retried), then the table lock, the INSERT and COMMIT as
  one simple query; with an idempotency answer, BEGIN with the lock, the
  insert, the answer, COMMIT.  A lost answer to COMMIT is
  ``CommitOutcomeUnknown``, never retried.
* **Group commit on the loop.**  Saves that arrive while a transaction is
  committing wait, and go together in the next one: the first save starts a
  drain task, which commits what is queued until nothing is.  A group that
  fails on one save's content (a conflict, an idempotency key taken) is
  committed again save by save, each with its own outcome; a group whose
  connection failed fails at once, as in ``gateways.group_commit``.
* **Errors are the library's**: psycopg's errors become eventsourcing's, as
  its datastore translates them (a unique violation is a
  ``RecordConflictError``), so everything above handles them as before.

The store belongs to one event loop (its connections do): ``CaseApplication``
opens it when a server's loop starts and uses it only from that loop.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from collections import deque
from typing import Any, Awaitable, Callable, Sequence, TypeVar
from uuid import UUID

import psycopg
from eventsourcing import persistence as es
from eventsourcing.persistence import StoredEvent
from psycopg.sql import SQL, Identifier
from psycopg_pool import AsyncConnectionPool

from gateways.group_commit import CommitOutcomeUnknown
from gateways.idempotency_store import answers_insert, check_answers_inserted
from gateways.pg_errors import NoConnection, rolled_back_after_error_async, translated_async
from gateways.postgres_recorder import SigillApplicationRecorder, columns_of, reported_by_the_server
from gateways.schema_lock import conninfo_of
from services.idempotency import AnswerRow

ATTEMPTS, PAUSE = 10, 0.2      # as the recorder's retry: a database restarting gets two seconds
CONNECTIONS = 4                # one commits at a time; the rest read cases' newer events
T = TypeVar("T")

_CONNECTION_ERRORS = (es.OperationalError, es.InterfaceError, NoConnection, CommitOutcomeUnknown)


@dataclass
class _Save:
    events: Sequence[StoredEvent]
    answers: Sequence[AnswerRow]
    outcome: asyncio.Future = field(default_factory=lambda: asyncio.get_running_loop().create_future())

    def settle(self, ids: Sequence[int] | None = None, error: BaseException | None = None) -> None:
        if self.outcome.done():   # its caller went away (the client disconnected): the outcome stands anyway
            return
        if error is not None:
            self.outcome.set_exception(error)
        else:
            self.outcome.set_result(ids)


class AsyncEventStore:
    def __init__(self, conninfo: str, schema: str, events_table: str, statements: dict[str, bytes],
                 idle_in_transaction_timeout: float = 10.0, wait_for_connection: float = 5.0) -> None:
        self._sql = statements
        self._schema = schema
        self._newer = SQL("SELECT originator_version, topic, state FROM {0}.{1}"
                          " WHERE originator_id = %s AND originator_version > %s ORDER BY originator_version"
                          ).format(Identifier(schema), Identifier(events_table))
        # As the recorder's connections: a worker that stops mid-transaction (the table locked) is cut off.
        idle = SQL("SET idle_in_transaction_session_timeout = {0}").format(
            f"{int(idle_in_transaction_timeout * 1000)}ms")

        async def configure(conn: psycopg.AsyncConnection) -> None:
            await conn.execute(idle)

        self._pool = AsyncConnectionPool(conninfo, min_size=1, max_size=CONNECTIONS, open=False,
                                         kwargs={"autocommit": True}, configure=configure,
                                         # As the recorder's: no connection within it is ``NoConnection``, a 503
                                         # (psycopg's default of 30 s held a save that long in an outage).
                                         timeout=wait_for_connection, name="sigill-events-async")
        self._queued: list[_Save] = []
        self._draining = False
        self.group_sizes: deque[int] = deque(maxlen=100)   # the latest groups' sizes (tests, benchmarks)

    @classmethod
    def of(cls, recorder: Any) -> AsyncEventStore | None:
        """The store beside an application's recorder: None unless it is Sigill's PostgreSQL recorder."""
        if not isinstance(recorder, SigillApplicationRecorder):
            return None
        return cls(conninfo_of(recorder.datastore), recorder.datastore.schema, recorder.events_table_name,
                   recorder.rendered(), recorder.datastore.idle_in_transaction_session_timeout or 0,
                   recorder.datastore.pool.timeout)

    async def open(self) -> None:
        await self._pool.open(wait=True)

    async def close(self) -> None:
        await self._pool.close()

    # -- reading -----------------------------------------------------------------------

    async def events_after(self, case_id: UUID, version: int) -> list[StoredEvent]:
        """The case's stored events after ``version``, in order (usually none: the case is current)."""
        async def read(conn: Any) -> list[StoredEvent]:
            rows = await (await conn.execute(self._newer, (case_id, version), prepare=True)).fetchall()
            return [StoredEvent(case_id, v, topic, bytes(state)) for v, topic, state in rows]
        return await self._retrying(read)

    # -- saving ------------------------------------------------------------------------

    async def insert(self, events: Sequence[StoredEvent], answers: Sequence[AnswerRow] = ()) -> Sequence[int]:
        """Insert the events (and their idempotency answers) durably, perhaps with others' saves; their ids."""
        save = _Save(events, answers)
        save.outcome.add_done_callback(_seen)   # an outcome nobody awaits any more is not "never retrieved"
        self._queued.append(save)
        if not self._draining:
            self._draining = True
            asyncio.get_running_loop().create_task(self._drain())
        return await save.outcome   # a caller that gives up leaves its save queued: committed or failed all the same

    async def _drain(self) -> None:
        group: list[_Save] = []
        try:
            while self._queued:
                group, self._queued = self._queued, []
                await self._commit(group)
        except BaseException as error:   # the loop stopping mid-commit: nobody waits for ever
            for save in [*group, *self._queued]:
                save.settle(error=error)
            self._queued = []
            raise
        finally:
            self._draining = False

    async def _commit(self, group: list[_Save]) -> None:
        self.group_sizes.append(len(group))
        if len(group) == 1:
            await self._alone(group[0])
            return
        try:
            ids = await self._insert([e for s in group for e in s.events], [a for s in group for a in s.answers])
        except _CONNECTION_ERRORS as error:
            for save in group:
                save.settle(error=error)
            return
        except Exception:
            for save in group:   # one save's conflict (or content): each on its own, each its own outcome
                await self._alone(save)
            return
        start = 0
        for save in group:
            save.settle(list(ids[start:start + len(save.events)]))
            start += len(save.events)

    async def _alone(self, save: _Save) -> None:
        try:
            save.settle(await self._insert(save.events, save.answers))
        except Exception as error:
            save.settle(error=error)

    async def _insert(self, events: Sequence[StoredEvent], answers: Sequence[AnswerRow]) -> Sequence[int]:
        transaction = self._with_answers if answers else self._without_answers
        return await self._retrying(lambda conn: transaction(conn, events, answers))

    async def _retrying(self, work: Callable[[Any], Awaitable[T]]) -> T:
        """``work`` on a pooled connection, psycopg's errors translated; retried while the database cannot be
        reached (not after a lost COMMIT answer: ``CommitOutcomeUnknown`` is no ``OperationalError``; nor when
        no connection came within the pool's wait, ``NoConnection``: each retry would wait as long again)."""
        for attempt in range(ATTEMPTS):
            try:
                async with translated_async(), self._pool.connection() as conn, rolled_back_after_error_async(conn):
                    return await work(conn)
            except (es.OperationalError, es.InterfaceError):
                if attempt + 1 == ATTEMPTS:
                    raise
                await asyncio.sleep(PAUSE)
        raise AssertionError("unreachable")

    async def _without_answers(self, conn: Any, events: Sequence[StoredEvent], _: Any) -> list[int]:
        async with psycopg.AsyncClientCursor(conn) as cursor:
            await cursor.execute(self._sql["open"])
            await _committing(cursor, self._sql["insert_and_commit"], columns_of(events))
            cursor.nextset()   # past the lock's result, to the insert's
            return await _inserted_ids(cursor)

    async def _with_answers(self, conn: Any, events: Sequence[StoredEvent], answers: Sequence[AnswerRow]
                            ) -> list[int]:
        async with conn.cursor() as cursor:
            await cursor.execute(self._sql["begin"])
            await cursor.execute(self._sql["insert"], columns_of(events), prepare=True)
            ids = await _inserted_ids(cursor)
            await cursor.execute(*answers_insert(self._schema, answers))
            check_answers_inserted(cursor.rowcount, answers)
            await _committing(cursor, b"COMMIT")
            return ids


def _seen(outcome: asyncio.Future) -> None:
    if not outcome.cancelled():
        outcome.exception()


async def _inserted_ids(cursor: Any) -> list[int]:
    if not (cursor.statusmessage or "").startswith("INSERT"):
        raise es.ProgrammingError(f"expected the INSERT's result, got {cursor.statusmessage!r}")
    return [row[0] for row in await cursor.fetchall()]


async def _committing(cursor: Any, query: bytes, params: Any = None) -> None:
    """Run a query that ends in COMMIT: a lost connection there is ``CommitOutcomeUnknown`` (never retried)."""
    try:
        await cursor.execute(query, params)
    except (psycopg.InterfaceError, psycopg.OperationalError) as error:
        if reported_by_the_server(error):
            raise
        raise CommitOutcomeUnknown("the database's answer to COMMIT was lost") from error
