"""The application recorder Sigill uses on PostgreSQL: eventsourcing's, with a leaner insert.

Two changes to how the library sends the same statements:

* **No pipeline mode.**  The stock recorder sends LOCK, NOTIFY and the INSERT
  in psycopg pipeline mode.  On these machines that deadlocks — client and
  server each waiting to write — once a save's parameters outgrow the socket
  buffers: seen with one 1 MB event, and with 700 events of 600 bytes, over
  the embedded server's unix socket.  A large plan or an import batch gets
  there.
* **The events table's lock held for one round trip.**  BEGIN, the lock
  timeout and NOTIFY need no parameters and lock nothing, so they go first as
  one simple query (a stale connection fails there, and is safely retried).
  Then the table lock, the INSERT … RETURNING and COMMIT go together as one
  simple query, the values bound client-side (a query with parameters may hold
  only one statement): the lock, which serialises every save, is held for that
  one round trip and the disk's flush, not for three.  Any error the server
  reports there means nothing was committed; a connection lost there is
  ``CommitOutcomeUnknown``.  A save with riders (below) or a tracking record
  keeps the three round trips: BEGIN with the lock, the INSERT (prepared),
  its riders, then COMMIT.

* **Group commit.**  Saves that arrive while another is being committed are
  inserted together, in one transaction (``GroupCommit``): one table lock and
  one fsync for many commands.  Each save still succeeds or conflicts on its
  own: when a group fails on a save's content, its saves are committed one by
  one; when the connection fails, the group fails at once.  A COMMIT whose
  answer is lost is ``CommitOutcomeUnknown``, never retried (a retry would
  find its own events and call them a conflict).

* **Idempotency answers ride along.**  A save may carry ``answer=`` (an
  ``AnswerRow``): it is written in the same transaction as that save's events
  (``gateways.idempotency_store``), so a key's answer exists exactly when its
  events do.  A key taken already fails the save (``AnswerAlreadyStored``) and
  records nothing; in a group, that sends the group save by save, each with
  its own answer.

* **Many cases' events in one read** (``select_events_of_cases``): the statistics read a municipality's cases in
  chunks, one query a chunk, not one a case; and many cases' latest versions in one
  (``select_versions_of_cases``), so that a run decodes only the cases changed since the figures it keeps.

Locking (the EXCLUSIVE table lock that keeps commit order equal to
notification order), NOTIFY, and conflict errors are the library's own.
"""

from __future__ import annotations

from typing import Any, Sequence
from uuid import UUID

import psycopg
from eventsourcing.persistence import InterfaceError, OperationalError, StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder
from eventsourcing.utils import retry
from psycopg.sql import SQL, Identifier

from gateways.group_commit import CommitOutcomeUnknown, GroupCommit
from gateways.idempotency_store import answers_table, insert_answers
from gateways.pg_errors import rolled_back_after_error
from gateways.schema_lock import conninfo_of, creating_tables
from services.idempotency import AnswerRow


class SigillApplicationRecorder(PostgresApplicationRecorder):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # One array per column instead of an array of a composite type: psycopg escapes composites as text,
        # which cost more than the insert itself for a batch.  Rows keep their order, and so their ids.
        self._insert = SQL(
            "INSERT INTO {0}.{1} (originator_id, originator_version, topic, state)"
            " SELECT * FROM unnest(%s::uuid[], %s::integer[], %s::text[], %s::bytea[]) RETURNING notification_id"
        ).format(Identifier(self.datastore.schema), Identifier(self.events_table_name))
        lock_timeout, lock_table = self.lock_table_statements
        notify = SQL("NOTIFY {0}").format(Identifier(self.channel_name))
        # A save without riders: the transaction is opened first (nothing locked yet: a stale connection fails
        # here, safely retried), then the lock, the insert and COMMIT go as one simple query with the values
        # bound client-side (parameters cannot go with several statements) — the lock is held for one round
        # trip and the disk's flush instead of three.  A simple query is sent whole before the server answers,
        # so it cannot deadlock the way pipeline mode did.
        self._statements = {
            "open": SQL("; ").join([SQL("BEGIN"), lock_timeout, notify]),
            "insert_and_commit": SQL("; ").join([lock_table, self._insert, SQL("COMMIT")]),
            # A save with riders: BEGIN with the lock, the insert (prepared), its riders, COMMIT.
            "begin": SQL("; ").join([SQL("BEGIN"), lock_timeout, lock_table, notify]),
            "insert": self._insert,
        }
        self._rendered: dict[str, bytes] | None = None
        self._group = GroupCommit(self._insert_now)
        self._select_of_cases = SQL(
            "SELECT originator_id, originator_version, topic, state FROM {0}.{1} WHERE originator_id = ANY(%s)"
            " ORDER BY originator_id, originator_version"
        ).format(Identifier(self.datastore.schema), Identifier(self.events_table_name))

        # Each case's latest version from the primary key's index (one backward step a case), not its events.
        self._versions_of_cases = SQL(
            "SELECT c.id, (SELECT max(e.originator_version) FROM {0}.{1} e WHERE e.originator_id = c.id) AS latest"
            " FROM unnest(%s::uuid[]) AS c(id)"
        ).format(Identifier(self.datastore.schema), Identifier(self.events_table_name))

    def create_table(self) -> None:
        """The library's tables and types, and the idempotency answers' (written with the events), all under
        the schema lock: another process may be creating them right now.  Nothing at all once they are made as
        these statements make them (``gateways.schema_lock``): the library's CREATE TYPE, run again, left an
        error in the server's log at every start."""
        answers = answers_table(self.datastore.schema)
        with creating_tables(conninfo_of(self.datastore), self.datastore.schema, self.events_table_name,
                             [*self.sql_create_statements, answers]) as cursor:
            if cursor is not None:   # None: made already, or the tables' owner makes them (`sigill database setup`)
                super().create_table()
                cursor.execute(answers)

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)   # as the library's select_events
    def select_events_of_cases(self, case_ids: Sequence[UUID]) -> list[StoredEvent]:
        """The stored events of these cases in one query, by case and then version (a case without any: none)."""
        if not case_ids:
            return []
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(self._select_of_cases, (list(case_ids),))
            return [StoredEvent(originator_id=row["originator_id"], originator_version=row["originator_version"],
                                topic=row["topic"], state=bytes(row["state"])) for row in curs.fetchall()]

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def select_versions_of_cases(self, case_ids: Sequence[UUID]) -> dict[UUID, int]:
        """Each case's latest stored version, in one query (a case without events: left out)."""
        if not case_ids:
            return {}
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(self._versions_of_cases, (list(case_ids),))
            return {row["id"]: row["latest"] for row in curs.fetchall() if row["latest"] is not None}

    def insert_events(self, stored_events: Sequence[StoredEvent], *, answer: AnswerRow | None = None,
                      **kwargs: Any) -> Sequence[int] | None:
        if not stored_events:
            return None
        answers = () if answer is None else (answer,)
        if any(value is not None for value in kwargs.values()):  # a tracking record rides along: alone
            return self._insert_with_riders(stored_events, answers, **kwargs)
        return self._group.insert(stored_events, answers)

    def _insert_now(self, stored_events: Sequence[StoredEvent], answers: Sequence[AnswerRow] = ()
                    ) -> Sequence[int] | None:
        """A group's (or one save's) events, in one transaction."""
        return self._insert_with_riders(stored_events, answers) if answers else self._insert_alone(stored_events)

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def _insert_alone(self, stored_events: Sequence[StoredEvent]) -> Sequence[int] | None:
        with self.datastore.get_connection() as conn, psycopg.ClientCursor(conn) as curs, rolled_back_after_error(conn):
            sql = self._rendered or self._render(conn)
            curs.execute(sql["open"])
            _committing(curs, sql["insert_and_commit"], columns_of(stored_events))
            curs.nextset()  # past the lock's result, to the insert's
            return self._fetch_ids_after_insert_events(curs, stored_events)

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def _insert_with_riders(self, stored_events: Sequence[StoredEvent], answers: Sequence[AnswerRow] = (),
                            **kwargs: Any) -> Sequence[int] | None:
        with self.datastore.get_connection() as conn, conn.cursor() as curs, rolled_back_after_error(conn):
            sql = self._rendered or self._render(conn)
            curs.execute(sql["begin"])
            curs.execute(sql["insert"], columns_of(stored_events), prepare=True)
            ids = self._fetch_ids_after_insert_events(curs, stored_events, **kwargs)
            if answers:
                insert_answers(curs, self.datastore.schema, answers)
            _committing(curs, b"COMMIT")
            return ids

    def _render(self, conn: Any) -> dict[str, bytes]:
        self._rendered = {name: statement.as_bytes(conn) for name, statement in self._statements.items()}
        return self._rendered

    def rendered(self) -> dict[str, bytes]:
        """The statements as the server will get them (for ``gateways.async_event_store``, which sends the same)."""
        if self._rendered is None:
            with self.datastore.get_connection() as conn:
                self._render(conn)
        assert self._rendered is not None
        return self._rendered


def columns_of(stored_events: Sequence[StoredEvent]) -> tuple[list, ...]:
    return ([e.originator_id for e in stored_events], [e.originator_version for e in stored_events],
            [e.topic for e in stored_events], [e.state for e in stored_events])


def _committing(curs: Any, query: bytes, params: Any = None) -> None:
    """Run a query that ends in COMMIT: a lost connection there is ``CommitOutcomeUnknown`` (never retried)."""
    try:
        curs.execute(query, params)
    except (psycopg.InterfaceError, psycopg.OperationalError) as error:
        if reported_by_the_server(error):
            raise  # the server refused it (a lock timeout, say): rolled back, nothing stored
        raise CommitOutcomeUnknown("the database's answer to COMMIT was lost") from error


def reported_by_the_server(error: psycopg.Error) -> bool:
    """An error the server sent (it has an SQLSTATE, not of the connection-exception class 08): the statement
    failed there, so its transaction did not commit.  Anything else may have been lost after the COMMIT."""
    state = getattr(error, "sqlstate", None)
    return bool(state) and not state.startswith("08")
