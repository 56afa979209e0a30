"""The disclosure logs a rebuild replaced: kept, append-only, so that what the agencies were sent stays on record.

A rebuild (``sigill views rebuild``, or the follower's after the disclosure rules changed) writes the log again
from the events under today's rules.  The rows it replaces are what the feeds actually carried until then —
possibly under older rules, and for erased cases whose history no longer reads — so an auditor asking "what did
the school get in March?" must still find them.  They are moved here, in the rebuild's own transaction, with the
epoch of the numbering they belonged to, the rules' version they were built under and when they were replaced.

Like the ledger and the access log the table refuses UPDATE, DELETE and TRUNCATE.  It holds no content (the log
holds none): ids, kinds, categories, bases, causes and times, none of them personal data.
"""

from __future__ import annotations

from typing import Any, Callable
from uuid import UUID

from psycopg.sql import SQL

# Columns shared with the disclosure log, as stored there (its legacy ``content`` column is not kept: the log's
# rows no longer hold content, and a replaced row must not keep any).
KEPT = ("id, case_id, agency, fact_id, kind, category, change, basis, at, notification_id, event_id, cause, feed,"
        " seq")

REPLACED_TABLES = [
    "CREATE TABLE IF NOT EXISTS {s}.replaced_disclosure_log (epoch text NOT NULL, rules_version integer,"
    " replaced_at timestamptz NOT NULL, up_to bigint NOT NULL, id bigint NOT NULL, case_id uuid NOT NULL, agency text NOT NULL,"
    " fact_id text NOT NULL, kind text NOT NULL, category text NOT NULL, change text NOT NULL, basis jsonb NOT NULL,"
    " at timestamptz NOT NULL, notification_id bigint NOT NULL, event_id uuid, cause jsonb, feed text, seq bigint,"
    " PRIMARY KEY (epoch, id))",
    "CREATE INDEX IF NOT EXISTS replaced_disclosure_log_by_case ON {s}.replaced_disclosure_log"
    " (case_id, agency, replaced_at, id)",
    "CREATE OR REPLACE FUNCTION {s}.sigill_replaced_log_is_append_only() RETURNS trigger LANGUAGE plpgsql AS"
    " $$ BEGIN RAISE EXCEPTION 'the replaced disclosure logs are append-only'; END $$",
    "DROP TRIGGER IF EXISTS append_only ON {s}.replaced_disclosure_log",
    "CREATE TRIGGER append_only BEFORE UPDATE OR DELETE ON {s}.replaced_disclosure_log"
    " FOR EACH ROW EXECUTE FUNCTION {s}.sigill_replaced_log_is_append_only()",
    "DROP TRIGGER IF EXISTS no_truncate ON {s}.replaced_disclosure_log",
    "CREATE TRIGGER no_truncate BEFORE TRUNCATE ON {s}.replaced_disclosure_log"
    " FOR EACH STATEMENT EXECUTE FUNCTION {s}.sigill_replaced_log_is_append_only()",
]
# Run in the rebuild's transaction, under an exclusive lock on the log (no writer may add a row between this and
# the TRUNCATE that follows): the rows, with the epoch and rules they were numbered and built under, and the
# position the views had reached (the log is complete up to that notification).
KEEP_REPLACED = (
    "INSERT INTO {s}.replaced_disclosure_log (epoch, rules_version, replaced_at, up_to, " + KEPT + ")"
    " SELECT s.epoch, (SELECT version FROM {s}.view_rules), now(),"
    " coalesce((SELECT max(notification_id) FROM {tracking} WHERE application_name = %s), 0), " + ", ".join(f"d.{c.strip()}" for c in
                                                                                  KEPT.split(","))
    + " FROM {s}.disclosure_log d CROSS JOIN {s}.feed_state s")


class ReplacedLogQueries:
    """Mixed into the view store: keeping the replaced rows at a rebuild, and reading them per case."""

    _s: Any
    _rows: Callable[[Any, tuple], list[dict[str, Any]]]

    def _keep_replaced(self, curs: Any, tracking: Any, application_name: str) -> int:
        """Within ``clear``'s transaction, before the log is emptied (``tracking``: the views' tracking table):
        how many rows were kept."""
        curs.execute(SQL("LOCK TABLE {}.disclosure_log IN ACCESS EXCLUSIVE MODE").format(self._s))
        curs.execute(SQL(KEEP_REPLACED).format(s=self._s, tracking=tracking), (application_name,))
        return curs.rowcount

    def replaced_log(self, case_id: UUID, agency: str | None = None) -> list[dict[str, Any]]:
        """The case's rows of every replaced log (of one agency, given one): the oldest log first, each in its
        own order; each row with its ``epoch``, ``rules_version``, ``replaced_at`` and ``up_to`` (the position the
        views had reached: the log is complete up to that notification)."""
        where, params = "case_id = %s", [case_id]
        if agency is not None:
            where, params = where + " AND agency = %s", [*params, agency]
        return self._rows(SQL("SELECT * FROM {}.replaced_disclosure_log WHERE " + where
                              + " ORDER BY replaced_at, epoch, id").format(self._s), tuple(params))
