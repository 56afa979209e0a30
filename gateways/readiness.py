"""What a readiness probe asks the database: does it answer, does a follower work on it, how far behind are the views.

One short connection of its own (``follower_lock.probe_connection``), so a full or broken pool cannot make it lie.
"""

from __future__ import annotations

from dataclasses import dataclass

import psycopg
from psycopg.sql import SQL, Identifier

from gateways.follower_lock import lock_held, probe_connection
from services.ports import Readiness

# The stored head and the views' tracked position, each the largest notification id of an indexed column.
BEHIND = ("SELECT greatest(coalesce((SELECT max(notification_id) FROM {events}), 0)"
          " - coalesce((SELECT max(notification_id) FROM {tracking} WHERE application_name = %s), 0), 0)")


@dataclass(frozen=True)
class ReadinessProbe:
    conninfo: str
    schema: str
    events_table: str
    tracking_table: str
    views_name: str      # the views' application name in the tracking table
    timeout: int = 3

    def __call__(self) -> Readiness | None:
        """The answers; None when the database does not answer within the timeout."""
        behind = SQL(BEHIND).format(events=Identifier(self.schema, self.events_table),
                                    tracking=Identifier(self.schema, self.tracking_table))
        try:
            with probe_connection(self.conninfo, self.timeout) as conn:
                follower = lock_held(conn, self.schema)
                return Readiness(follower, conn.execute(behind, (self.views_name,)).fetchone()[0])
        except (psycopg.Error, OSError):
            return None
