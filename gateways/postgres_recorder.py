"""The application recorder Sigill uses on PostgreSQL: eventsourcing's, with a leaner insert.

Two changes to how the library sends the same statements:

* **No pipeline mode.**  The stock recorder sends LOCK, NOTIFY and the INSERT
  in psycopg pipeline mode.  On these machines that deadlocks — client and
  server each waiting to write — once a save's parameters outgrow the socket
  buffers: seen with one 1 MB event, and with 700 events of 600 bytes, over
  the embedded server's unix socket.  A large plan or an import batch gets
  there.
* **Three round trips, like a bare insert.**  BEGIN, the lock timeout, the
  table lock and NOTIFY need no parameters, so they go as one simple query;
  then the INSERT … RETURNING; then COMMIT.  Statements are rendered once.

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

Locking (the EXCLUSIVE table lock that keeps commit order equal to
notification order), NOTIFY, and conflict errors are the library's own.
"""

from __future__ import annotations

from contextlib import suppress
from typing import Any, Sequence

import psycopg
from eventsourcing.persistence import InterfaceError, OperationalError, StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder
from eventsourcing.utils import retry
from psycopg.sql import SQL, Identifier

from gateways.group_commit import CommitOutcomeUnknown, GroupCommit
from gateways.idempotency_store import answers_table, insert_answers
from gateways.schema_lock import conninfo_of, schema_lock
from services.idempotency import AnswerRow


class SigillApplicationRecorder(PostgresApplicationRecorder):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._begin = SQL("; ").join([SQL("BEGIN"), *self.lock_table_statements,
                                      SQL("NOTIFY {0}").format(Identifier(self.channel_name))])
        # One array per column instead of an array of a composite type: psycopg escapes composites as text,
        # which cost more than the insert itself for a batch.  Rows keep their order, and so their ids.
        self._insert = SQL(
            "INSERT INTO {0}.{1} (originator_id, originator_version, topic, state)"
            " SELECT * FROM unnest(%s::uuid[], %s::integer[], %s::text[], %s::bytea[]) RETURNING notification_id"
        ).format(Identifier(self.datastore.schema), Identifier(self.events_table_name))
        self._rendered: tuple[bytes, bytes] | None = None
        self._group = GroupCommit(self._insert_now)
        self._latest = SQL("SELECT max(originator_version) FROM {0}.{1} WHERE originator_id = %s").format(
            Identifier(self.datastore.schema), Identifier(self.events_table_name))

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def latest_version(self, originator_id: Any) -> int | None:
        """The version of the originator's latest event (the primary key's index answers it); None if none."""
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(self._latest, (originator_id,), prepare=True)
            row = curs.fetchone()
        return None if row is None else row["max"] if isinstance(row, dict) else row[0]

    def create_table(self) -> None:
        """The library's tables and types, and the idempotency answers' (written with the events), all under
        the schema lock: another process may be creating them right now."""
        with schema_lock(conninfo_of(self.datastore)) as cursor:
            super().create_table()
            cursor.execute(answers_table(self.datastore.schema))

    def insert_events(self, stored_events: Sequence[StoredEvent], *, answer: AnswerRow | None = None,
                      **kwargs: Any) -> Sequence[int] | None:
        if not stored_events:
            return None
        answers = () if answer is None else (answer,)
        if any(value is not None for value in kwargs.values()):  # a tracking record rides along: alone
            return self._insert_now(stored_events, answers, **kwargs)
        return self._group.insert(stored_events, answers)

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def _insert_now(self, stored_events: Sequence[StoredEvent], answers: Sequence[AnswerRow] = (),
                    **kwargs: Any) -> Sequence[int] | None:
        columns = ([e.originator_id for e in stored_events], [e.originator_version for e in stored_events],
                   [e.topic for e in stored_events], [e.state for e in stored_events])
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            begin, insert = self._rendered or self._render(conn)
            try:
                curs.execute(begin)
                curs.execute(insert, columns, prepare=True)
                ids = self._fetch_ids_after_insert_events(curs, stored_events, **kwargs)
                if answers:
                    insert_answers(curs, self.datastore.schema, answers)
                try:
                    curs.execute(b"COMMIT")
                except (psycopg.InterfaceError, psycopg.OperationalError) as error:  # sent, perhaps made: no @retry
                    raise CommitOutcomeUnknown("the database's answer to COMMIT was lost") from error
            except BaseException:
                with suppress(Exception):  # leave the pooled connection clean; the first error is the one to tell
                    conn.execute(b"ROLLBACK")
                raise
            return ids

    def _render(self, conn: Any) -> tuple[bytes, bytes]:
        self._rendered = (self._begin.as_bytes(conn), self._insert.as_bytes(conn))
        return self._rendered
