"""What a readiness probe asks the database: does it answer, does a follower work on it, how far behind are the views,
and (where this server publishes to Kafka) how many feed messages Kafka has yet to acknowledge.

One short connection of its own (``follower_lock.probe_connection``), so a full or broken pool cannot make it lie.
"""

from __future__ import annotations

from dataclasses import dataclass

import psycopg
from psycopg.sql import SQL, Identifier

from gateways.follower_lock import lock_held, probe_connection
from services.ports import Readiness

# The stored head and the views' tracked position, each the largest notification id of an indexed column: their
# difference, two index probes whatever the lag.  It counts ids, not events: an id a rolled-back write took is never
# used, so it is an upper bound of the events still to take in, 0 exactly when there are none.  Counting the events
# past the position would be exact, but reads an index entry for each: every event, on each probe (a load balancer's,
# every few seconds, 3 s to answer), while a rebuild after an upgrade starts from the first — when the figure matters.
BEHIND = ("SELECT greatest(coalesce((SELECT max(notification_id) FROM {events}), 0)"
          " - coalesce((SELECT max(notification_id) FROM {tracking} WHERE application_name = %s), 0), 0)")

EVENTS_HEAD = "SELECT coalesce(max(notification_id), 0) FROM {events}"

# Every feed's last number against the last the publisher had acknowledged by Kafka (none yet: all of it).
UNSENT = ("SELECT coalesce(sum(s.last_seq - coalesce(p.last_seq, 0)), 0)::bigint FROM {sequence} s"
          " LEFT JOIN {positions} p USING (feed)")


@dataclass(frozen=True)
class ReadinessProbe:
    conninfo: str
    schema: str
    events_table: str
    tracking_table: str
    views_name: str      # the views' application name in the tracking table
    timeout: int = 3
    kafka: bool = False  # this server publishes the feeds to Kafka: count what Kafka has yet to acknowledge

    def __call__(self) -> Readiness | None:
        """The answers; None when the database does not answer within the timeout."""
        behind = SQL(BEHIND).format(events=Identifier(self.schema, self.events_table),
                                    tracking=Identifier(self.schema, self.tracking_table))
        try:
            with probe_connection(self.conninfo, self.timeout) as conn:
                follower = lock_held(conn, self.schema)
                behind_by = self._behind(conn, behind)
                return Readiness(follower, behind_by, self._unsent(conn) if self.kafka else None)
        except (psycopg.Error, OSError):
            return None

    def schema_missing(self) -> bool:
        """Whether the database answers and has no schema of the probe's name (a mistyped SIGILL_DB_SCHEMA): told
        apart from a database that does not answer, which ``__call__`` cannot (it answers None for both)."""
        try:
            with probe_connection(self.conninfo, self.timeout) as conn:
                return not conn.execute("SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = %s)",
                                        (self.schema,)).fetchone()[0]
        except (psycopg.Error, OSError):
            return False

    def _behind(self, conn: psycopg.Connection, behind: SQL) -> int:
        try:
            return conn.execute(behind, (self.views_name,)).fetchone()[0]
        except psycopg.errors.UndefinedTable:
            # The views' tables are made by the first process that builds them (`sigill database status` reads a
            # database as it finds it): until then every stored event is still to be taken in.
            events = SQL(EVENTS_HEAD).format(events=Identifier(self.schema, self.events_table))
            return conn.execute(events).fetchone()[0]

    def _unsent(self, conn: psycopg.Connection) -> int | None:
        """None before the follower has made the feeds' tables (a new installation is ready all the same)."""
        query = SQL(UNSENT).format(sequence=Identifier(self.schema, "feed_sequence"),
                                   positions=Identifier(self.schema, "feed_positions"))
        try:
            return conn.execute(query).fetchone()[0]
        except psycopg.errors.UndefinedTable:
            return None
