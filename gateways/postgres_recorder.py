"""The application recorder Sigill uses on PostgreSQL: eventsourcing's, inserting without pipeline mode.

The stock recorder sends LOCK, NOTIFY and the INSERT in psycopg pipeline
mode.  On these machines that deadlocks — client and server each waiting to
write — once a save's parameters outgrow the socket buffers: seen with one
1 MB event, and with 700 events of 600 bytes, over the embedded server's unix
socket.  A large action plan or an import batch can reach that size, so the
same statements are sent here one after another in one ordinary
transaction.  Locking, NOTIFY, ordering and conflicts are the library's own.
"""

from __future__ import annotations

from typing import Any, Sequence

from eventsourcing.persistence import InterfaceError, OperationalError, StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder
from eventsourcing.utils import retry


class SigillApplicationRecorder(PostgresApplicationRecorder):
    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def insert_events(self, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Sequence[int] | None:
        with self.datastore.get_connection() as conn, conn.transaction(), conn.cursor() as curs:
            self._insert_events(curs, stored_events, **kwargs)
            if not stored_events:
                return None
            self._insert_stored_events(curs, stored_events, **kwargs)  # lock, notify, insert … returning
            return self._fetch_ids_after_insert_events(curs, stored_events, **kwargs)
