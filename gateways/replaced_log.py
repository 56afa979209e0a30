"""The disclosure logs a rebuild replaced: kept, append-only, so that what the agencies were sent stays on record.

A rebuild (``sigill views rebuild``, or the follower's after the disclosure rules changed) writes the log again
from the events under today's rules.  The rows it replaces are what the feeds actually carried until then —
possibly under older rules, and for erased cases whose history no longer reads — so an auditor asking "what did
the school get in March?" must still find them.  They are moved here in the rebuild's own transaction: one
*replacement* row (when, the numbering's epoch, the rules' version it was built under, the position it had
reached, how many rows it held, its first row stored with a cause, the ids' generation its event ids are of, the
digest of the agency catalogue it was built under) and the rows themselves, under it.

Like the ledger and the access log both tables refuse UPDATE, DELETE and TRUNCATE; and an INSERT that is no copy of
the log as it stands (``_AS_THE_LOG_STANDS``).  They hold no content (the log
holds none): ids, kinds, categories, bases, causes and times, none of them personal data.
"""

from __future__ import annotations

from typing import Any, Callable
from uuid import UUID

from psycopg.sql import SQL, Identifier, Literal

from gateways.schema_lock import SCHEMA_LOCK

# Columns shared with the disclosure log, as stored there (its legacy ``content`` column is not kept: the log's
# rows no longer hold content, and a replaced row must not keep any).
KEPT = ("id", "case_id", "agency", "fact_id", "kind", "category", "change", "basis", "at", "notification_id",
        "event_id", "cause", "feed", "seq")

_APPEND_ONLY = [
    "CREATE OR REPLACE FUNCTION {s}.sigill_replaced_log_is_append_only() RETURNS trigger LANGUAGE plpgsql AS"
    " $$ BEGIN RAISE EXCEPTION 'the replaced disclosure logs are append-only'; END $$",
    *(statement.replace("{t}", table) for table in ("replaced_disclosure_log", "disclosure_log_replacements")
      for statement in (
          "DROP TRIGGER IF EXISTS append_only ON {s}.{t}",
          "CREATE TRIGGER append_only BEFORE UPDATE OR DELETE ON {s}.{t}"
          " FOR EACH ROW EXECUTE FUNCTION {s}.sigill_replaced_log_is_append_only()",
          "DROP TRIGGER IF EXISTS no_truncate ON {s}.{t}",
          "CREATE TRIGGER no_truncate BEFORE TRUNCATE ON {s}.{t}"
          " FOR EACH STATEMENT EXECUTE FUNCTION {s}.sigill_replaced_log_is_append_only()")),
]
# A replacement is recorded as the log stands — its row count, first row with a cause, numbering epoch, ids'
# generation and rules version the log's and the views' own at that moment, dated by the database now — and its rows
# are the log's rows as they are, kept in the transaction that recorded the newest replacement (its ``xmin``): the
# application's role could INSERT a made-up replacement (back-dated, its rows never in the log) or add rows to one
# made before, and "found" a rebuild's end of a fact never shown (a red team, 2026-12-06).  A rebuild's own copy
# (``RECORD_REPLACEMENT``, ``KEEP_ROWS``, in one transaction under the log's lock) is just that.  What stays open: rows the application's role first INSERTs
# into the log itself, then keeps and empties by a rebuild of its own — the log is held to the events only while
# they are in it.  Its search path pinned, as the log's trigger's.
_AS_THE_LOG_STANDS = [
    "CREATE OR REPLACE FUNCTION {s}.sigill_replaced_log_is_the_log() RETURNS trigger LANGUAGE plpgsql"
    " SET search_path = pg_catalog AS $$"
    " DECLARE in_log bigint; first_caused bigint; newest bigint;"
    " BEGIN"
    "  IF TG_TABLE_NAME = 'disclosure_log_replacements' THEN"
    "   SELECT count(*), min(id) FILTER (WHERE cause IS NOT NULL) INTO in_log, first_caused FROM {s}.disclosure_log;"
    "   IF NEW.replaced_at = statement_timestamp() AND NEW.rows = in_log AND NEW.caused_from IS NOT DISTINCT FROM"
    "     first_caused AND NEW.epoch IS NOT DISTINCT FROM (SELECT epoch FROM {s}.feed_state)"
    "     AND NEW.id_generation IS NOT DISTINCT FROM (SELECT id_generation FROM {s}.feed_state)"
    "     AND NEW.rules_version IS NOT DISTINCT FROM (SELECT version FROM {s}.view_rules)"
    "     AND (NEW.catalogue IS NULL OR NEW.catalogue = (SELECT catalogue FROM {s}.view_rules)) THEN"
    "    RETURN NEW;"
    "   END IF;"
    "   RAISE EXCEPTION 'a replaced disclosure log is recorded as the log stands, now (a rebuild''s)';"
    "  END IF;"
    "  SELECT max(replacement) INTO newest FROM {s}.disclosure_log_replacements;"
    "  IF NOT EXISTS (SELECT 1 FROM {s}.disclosure_log_replacements WHERE replacement = newest"
    "    AND xmin::text::bigint = txid_current() % 4294967296)"
    "   OR EXISTS (SELECT 1 FROM added a WHERE a.replacement IS DISTINCT FROM newest OR NOT EXISTS (SELECT 1 FROM"
    "    {s}.disclosure_log d WHERE d.id = a.id AND (" + ", ".join("d." + c for c in KEPT) + ") IS NOT DISTINCT FROM ("
    + ", ".join("a." + c for c in KEPT) + "))) THEN"
    "   RAISE EXCEPTION 'a replaced disclosure log keeps the log''s rows as they are, in the transaction that recorded"
    " it';"
    "  END IF;"
    "  RETURN NULL;"
    " END $$",
    "DROP TRIGGER IF EXISTS as_the_log_stands ON {s}.disclosure_log_replacements",
    "CREATE TRIGGER as_the_log_stands BEFORE INSERT ON {s}.disclosure_log_replacements"
    " FOR EACH ROW EXECUTE FUNCTION {s}.sigill_replaced_log_is_the_log()",
    "DROP TRIGGER IF EXISTS as_the_log_stands ON {s}.replaced_disclosure_log",
    "CREATE TRIGGER as_the_log_stands AFTER INSERT ON {s}.replaced_disclosure_log REFERENCING NEW TABLE AS added"
    " FOR EACH STATEMENT EXECUTE FUNCTION {s}.sigill_replaced_log_is_the_log()",
]
REPLACED_TABLES = [
    "CREATE TABLE IF NOT EXISTS {s}.disclosure_log_replacements (replacement bigserial PRIMARY KEY,"
    " epoch text NOT NULL, rules_version integer, replaced_at timestamptz NOT NULL, up_to bigint NOT NULL,"
    " rows bigint NOT NULL, caused_from bigint)",
    "CREATE TABLE IF NOT EXISTS {s}.replaced_disclosure_log (replacement bigint NOT NULL"
    " REFERENCES {s}.disclosure_log_replacements, id bigint NOT NULL, case_id uuid NOT NULL, agency text NOT NULL,"
    " fact_id text NOT NULL, kind text NOT NULL, category text NOT NULL, change text NOT NULL, basis jsonb NOT NULL,"
    " at timestamptz NOT NULL, notification_id bigint NOT NULL, event_id uuid, cause jsonb, feed text, seq bigint,"
    " PRIMARY KEY (replacement, id))",
    # The ids' generation the log's event ids were made under (since 2026-12-05): a rebuild's end written again keeps
    # its event id only within it (``gateways.build_finish``).  NULL: replaced before it was recorded, not known.
    "ALTER TABLE {s}.disclosure_log_replacements ADD COLUMN IF NOT EXISTS id_generation text",
    # The digest of the agency catalogue it was built under (``Catalogue.digest``; the views' own, ``view_rules``),
    # since 2026-12-06: one built under another cannot be held to the events.  NULL: replaced before it was
    # recorded, or by a process of the version before — held as built under today's, as it was before.  The trigger
    # below takes it NULL too (a process of the version before records none): that only holds a log, never frees one.
    "ALTER TABLE {s}.disclosure_log_replacements ADD COLUMN IF NOT EXISTS catalogue text",
    "CREATE INDEX IF NOT EXISTS replaced_disclosure_log_by_case ON {s}.replaced_disclosure_log"
    " (case_id, agency, replacement, id)",
    *_APPEND_ONLY,
    *_AS_THE_LOG_STANDS,
]
# Run in the rebuild's transaction, under the log's lock: the replacement (nothing when the log is empty), then its
# rows.  ``statement_timestamp``, not ``now``: the transaction may have waited long for the lock.  The generation is
# the one stored before a renewal in the same transaction (``clear`` keeps the log first): the one the rows are of,
# every writer of the log having checked it under this lock.
RECORD_REPLACEMENT = (
    "INSERT INTO {s}.disclosure_log_replacements (epoch, rules_version, replaced_at, up_to, rows, caused_from,"
    " id_generation, catalogue) SELECT s.epoch, (SELECT version FROM {s}.view_rules), statement_timestamp(),"
    " coalesce((SELECT max(notification_id) FROM {tracking} WHERE application_name = %s), 0), l.rows, l.caused_from,"
    " s.id_generation, (SELECT catalogue FROM {s}.view_rules)"
    " FROM {s}.feed_state s, (SELECT count(*) AS rows, min(id) FILTER (WHERE cause IS NOT NULL) AS caused_from"
    "  FROM {s}.disclosure_log) l WHERE l.rows > 0 RETURNING replacement")
KEEP_ROWS = ("INSERT INTO {s}.replaced_disclosure_log (replacement, " + ", ".join(KEPT) + ")"
             " SELECT %s, " + ", ".join(KEPT) + " FROM {s}.disclosure_log")


class ReplacedLogQueries:
    """Mixed into the view store: keeping the replaced rows at a rebuild, and reading them per case."""

    _s: Any
    _rows: Callable[..., list[dict[str, Any]]]   # (query, params, *, json_once)

    def _keep_replaced(self, curs: Any, tracking: Any, application_name: str) -> int:
        """Within ``clear``'s transaction, before the log is emptied (``tracking``: the views' tracking table):
        how many rows were kept.

        The schema lock first: a process starting meanwhile takes it for its table creation, which locks the
        views' tables in another order (a deadlock, found by a review).  Then the lock every writer of the log
        takes, so that no row is added between the copy and the TRUNCATE; readers of the log go on meanwhile."""
        curs.execute(SQL("SELECT pg_advisory_xact_lock({})").format(Literal(SCHEMA_LOCK)))
        curs.execute(SQL("LOCK TABLE {}.disclosure_log IN SHARE ROW EXCLUSIVE MODE").format(self._s))
        made = curs.execute(SQL(RECORD_REPLACEMENT).format(s=self._s, tracking=tracking),
                            (application_name,)).fetchone()
        if made is None:
            return 0   # an empty log: nothing was sent, nothing to keep
        curs.execute(SQL(KEEP_ROWS).format(s=self._s), (made["replacement"],))
        return curs.rowcount

    def replacements(self) -> list[dict[str, Any]]:
        """Every replacement of the log, the oldest first: ``replacement``, ``epoch``, ``rules_version``,
        ``replaced_at``, ``up_to`` (the position the log had reached: it was complete up to that notification),
        ``rows``, ``caused_from`` (its first row stored with a cause), ``id_generation`` (the ids' generation
        its event ids are of; None: replaced before it was recorded) and ``catalogue`` (the digest of the agency
        catalogue it was built under, "mixed" for more than one: ``view_rules.MIXED``; None: not recorded)."""
        return self._rows(SQL("SELECT * FROM {}.disclosure_log_replacements ORDER BY replacement").format(self._s), ())

    def replaced_log(self, case_id: UUID, agency: str | None = None) -> list[dict[str, Any]]:
        """The case's rows of every replaced log (of one agency, given one), each with its ``replacement``."""
        where, params = "case_id = %s", [case_id]
        if agency is not None:
            where, params = where + " AND agency = %s", [*params, agency]
        return self._rows(SQL("SELECT * FROM {}.replaced_disclosure_log WHERE " + where
                              + " ORDER BY replacement, id").format(self._s), tuple(params), json_once=True)

    def erased_cases(self, keys_table: str = "sigill_data_keys") -> list[dict[str, Any]]:
        """Every erased case the agencies were sent anything of — in today's log or a replaced one — newest
        erasure first: ``case_id``, ``municipality``, ``destroyed_at`` and the erasure's ``decision`` (None: its
        key was destroyed with no decision on record).  Its rows are all that is left of it."""
        return self._rows(SQL(
            "SELECT k.aggregate_id AS case_id, m.municipality, k.destroyed_at, e.decision FROM {s}.{k} k"
            " LEFT JOIN {s}.case_municipality m ON m.case_id = k.aggregate_id"
            " LEFT JOIN {s}.sigill_erasures e ON e.case_id = k.aggregate_id WHERE k.wrapped_key IS NULL"
            " AND (EXISTS (SELECT 1 FROM {s}.disclosure_log d WHERE d.case_id = k.aggregate_id)"
            "  OR EXISTS (SELECT 1 FROM {s}.replaced_disclosure_log r WHERE r.case_id = k.aggregate_id))"
            " ORDER BY k.destroyed_at DESC NULLS LAST, k.aggregate_id").format(s=self._s, k=Identifier(keys_table)), ())
