"""What a worker of a build in parallel reads (``services.build_workers``): its share of a span's notifications.

A share is the cases whose id's last byte, modulo the number of workers, is the worker's number — decided here, in
the query, so that PostgreSQL sends each worker its own cases' events alone, not every event to every worker.  A
case's events are all in one share.  A mixin of ``PostgresAgencyViewStore`` (needs ``_rows``): the notifications
are the application's, in the same database, as ``position_and_next`` reads them.
"""

from __future__ import annotations

import hashlib
from contextlib import contextmanager
from typing import Any, Callable, Iterator, Sequence

from eventsourcing.persistence import Notification
from psycopg.sql import SQL, Identifier

# A span (after, up to] of notification ids: how many notifications it holds of every kind (the progress counts
# them), and the share's notifications of the given topics in order; one row with NULLs when the share has none.
SHARE_OF_SPAN = (
    "SELECT s.notifications, e.notification_id, e.originator_id, e.originator_version, e.topic, e.state"
    " FROM (SELECT count(*) AS notifications FROM {events} WHERE notification_id > %(after)s"
    "  AND notification_id <= %(upto)s) s"
    " LEFT JOIN LATERAL (SELECT * FROM {events} WHERE notification_id > %(after)s AND notification_id <= %(upto)s"
    "  AND topic = ANY(%(topics)s) AND get_byte(uuid_send(originator_id), 15) %% %(shares)s = %(share)s) e ON true"
    " ORDER BY e.notification_id")


def build_lock_key(schema: str | None) -> int:
    """The advisory lock's key (a signed 64-bit number) of the builds in parallel of one schema's views."""
    digest = hashlib.blake2b(f"sigill-views-build/{schema or 'public'}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


class BuildReads:
    """Mixed into the view store (needs ``datastore``, ``_rows``)."""

    datastore: Any
    _rows: Callable[..., list[dict[str, Any]]]

    @contextmanager
    def building_alone(self) -> Iterator[bool]:
        """Whether this process is the one building the views in parallel, held while the block runs: an advisory
        lock on a connection of its own, released with it (or with its session, should the process die).  Any
        process that catches up finishes a build under way — the follower, each API worker, a command — and
        without it each would start its own workers, all judging the same spans for one of them to write."""
        key = build_lock_key(self.datastore.schema)
        with self.datastore.get_connection() as conn:
            held = conn.execute("SELECT pg_try_advisory_lock(%s) AS held", (key,)).fetchone()["held"]
            conn.commit()
            try:
                yield held
            finally:
                if held:
                    conn.execute("SELECT pg_advisory_unlock(%s)", (key,))
                    conn.commit()

    def share_of_span(self, events: Any, after: int, upto: int, share: int, shares: int, topics: Sequence[str]
                      ) -> tuple[int, list[Notification]]:
        """The span's count of notifications, and worker ``share``'s (of ``shares``) notifications of ``topics`` in
        it, in order; ``events``: the application's recorder."""
        query = SQL(SHARE_OF_SPAN).format(events=Identifier(events.datastore.schema, events.events_table_name))
        rows = self._rows(query, {"after": after, "upto": upto, "topics": list(topics), "shares": shares,
                                  "share": share})
        return rows[0]["notifications"], notifications_of(rows)


def notifications_of(rows: list[dict[str, Any]]) -> list[Notification]:
    """The notifications of rows joined to a row of their own (NULLs where there are none), as eventsourcing's."""
    return [Notification(id=r["notification_id"], originator_id=r["originator_id"],
                         originator_version=r["originator_version"], topic=r["topic"], state=bytes(r["state"]))
            for r in rows if r["notification_id"] is not None]
