"""The agency views' tables: what they hold, and the DDL that makes them (``PostgresAgencyViewStore`` runs it).

- ``view_facts``: each agency's view of each case, a row a fact it sees; the content sealed under the case's data key.
- ``view_cases``: the case lists, a row an agency and case (``projections.agency_views.CaseSummary``).
- ``disclosure_log``: what each agency was told and when, append-only (its triggers below) and outliving erasure;
  the feeds are read from it.
- ``case_municipality``: each case's municipality, in plaintext and kept after erasure.
- ``view_rules``: the disclosure rules' version and the agency catalogue's digest the views were built under, and a
  build under way.
- The feeds' tables (``gateways.feed_store``), the replaced logs a rebuild keeps (``gateways.replaced_log``) and
  the builds' ends (``gateways.build_finish``), each with the queries that use them.
- The record of erasures (``gateways.erasure_store``), made here too: the auditors' list of erased cases reads it
  beside the views.
- ``sigill_apply_views``, the function a small batch is written by (``gateways.view_rows_json``).

The statements are formatted with ``{s}``, the schema; each is safe to run again on tables already there.  They
are DDL, run when they changed (``gateways.schema_lock``'s stamps); what must run at every start is apart
(``every_start_statements``).
"""

from __future__ import annotations

from psycopg.sql import SQL, Composed, Identifier

from gateways.build_finish import BUILD_TABLES
from gateways.erasure_store import SCHEMA as ERASURES_SCHEMA, TABLE as ERASURES_TABLE
from gateways.feed_store import FEED_TABLES
from gateways.replaced_log import KEPT, REPLACED_TABLES
from gateways.view_rows_json import APPLY_VIEWS_FUNCTION, DROP_OLD_APPLY_VIEWS, OLDER_APPLY_VIEWS

# Run at each start, after TABLES, even when they are not run (its comments there say why).
EMPTY_CALENDARS_IN_CLEAR = "UPDATE {s}.view_cases SET calendar_by_agency = NULL WHERE calendar_by_agency IS NOT NULL"

TABLES = [
    "CREATE TABLE IF NOT EXISTS {s}.view_facts (agency text NOT NULL, case_id uuid NOT NULL, fact_id text NOT NULL,"
    " version integer NOT NULL, kind text NOT NULL, category text NOT NULL, origin text NOT NULL,"
    " recorded_at timestamptz NOT NULL, visible_since timestamptz, basis jsonb NOT NULL,"
    " content bytea NOT NULL, PRIMARY KEY (agency, case_id, fact_id))",
    "CREATE TABLE IF NOT EXISTS {s}.view_cases (agency text NOT NULL, case_id uuid NOT NULL, case_number text,"
    " phase text, next_meeting date, plan_revision integer, facts integer NOT NULL, consents_in_force integer,"
    " next_consent_end date, PRIMARY KEY (agency, case_id))",
    "CREATE TABLE IF NOT EXISTS {s}.disclosure_log (id bigserial PRIMARY KEY, case_id uuid NOT NULL,"
    " agency text NOT NULL, fact_id text NOT NULL, kind text NOT NULL, category text NOT NULL,"
    " change text NOT NULL, basis jsonb NOT NULL, at timestamptz NOT NULL, notification_id bigint NOT NULL)",
    "ALTER TABLE {s}.view_cases ADD COLUMN IF NOT EXISTS next_calendar_moment timestamptz",
    # The current plan's rows by follow-up status (projections.agency_views.CaseSummary); NULL in rows written
    # before 2026-12-03 until the case changes or the views are rebuilt.
    "ALTER TABLE {s}.view_cases ADD COLUMN IF NOT EXISTS plan_follow_up jsonb",
    # The lead's row: when the calendar next changes what each agency sees (CaseSummary.calendar_by_agency); NULL
    # in rows written before 2026-12-04, for which every agency waits for the case's next moment, as before.
    "ALTER TABLE {s}.view_cases ADD COLUMN IF NOT EXISTS calendar_by_agency jsonb",
    # The same, sealed under the case's key (``case_list_queries.calendar_where``), since 2026-12-04: it holds the
    # 18th birthday, so the birth date, from the referral on.  The plaintext column is written NULL, and emptied
    # at every start of rows written before (EMPTY_CALENDARS_IN_CLEAR: each then waits for its case's next moment,
    # as before per-agency moments, until the case changes or the views are rebuilt); it stays, NULL, for a process
    # of the version before — which may write it again, so the emptying is no DDL, run once, but every start's.
    "ALTER TABLE {s}.view_cases ADD COLUMN IF NOT EXISTS calendar_sealed bytea",
    # The rows that still hold it, indexed alone: none, once emptied, so each later start's emptying is a probe of
    # an empty index, not a scan of every case list; a row a process of the version before writes enters it.
    "CREATE INDEX IF NOT EXISTS view_cases_calendar_in_clear ON {s}.view_cases (case_id)"
    " WHERE calendar_by_agency IS NOT NULL",
    # Skyddade personuppgifter as the row's agency sees them ({kind, since}: CaseSummary.protected_personal_data),
    # since 2026-12-05; NULL in rows written before, when no case could have it.
    "ALTER TABLE {s}.view_cases ADD COLUMN IF NOT EXISTS protected_personal_data jsonb",
    # A lookup by case number answers from the asker's own list (``CaseListQueries.listed_by_number``), since
    # 2026-12-05: one probe of this index, whether or not the number is taken elsewhere.
    "CREATE INDEX IF NOT EXISTS view_cases_by_number ON {s}.view_cases (agency, case_number)",
    "ALTER TABLE {s}.view_facts ALTER COLUMN visible_since DROP NOT NULL",
    "CREATE INDEX IF NOT EXISTS disclosure_log_by_case ON {s}.disclosure_log (case_id, agency, id)",
    "ALTER TABLE {s}.disclosure_log ADD COLUMN IF NOT EXISTS event_id uuid",
    # Until 2026-12-03 a 'disclosed' row carried its content too, sealed a second time; it is no longer written
    # or read (a feed reads the view's).  A rebuild empties the old rows; the column stays, NULL.
    "ALTER TABLE {s}.disclosure_log ADD COLUMN IF NOT EXISTS content bytea",
    # What caused each change (domain.disclosure.Cause, as a JSON list); NULL in rows written before 2026-12-03 and in
    # erasure rows (no event of the case causes those).
    "ALTER TABLE {s}.disclosure_log ADD COLUMN IF NOT EXISTS cause jsonb",
    # Where each case belongs, in plaintext and kept after erasure: a random case id and a municipality code
    # (0180) are not personal data, and once a case's key is destroyed nothing else can say which
    # municipality's social services must be told to delete it.
    "CREATE TABLE IF NOT EXISTS {s}.case_municipality (case_id uuid PRIMARY KEY, municipality text NOT NULL)",
    *FEED_TABLES,  # each log row's feed and its number in it
    *REPLACED_TABLES,  # the rows a rebuild replaced, kept (``gateways.replaced_log``)
    # The disclosure log is what the agencies were told, and outlives erasure: no row of it is deleted or changed.
    # Two writes besides INSERT are the application's own: numbering a row written before feeds were numbered (its
    # feed and seq set, where seq was NULL, nothing else: ``feed_store.NUMBER_OLD_ROWS``), and a rebuild's TRUNCATE,
    # allowed only once every row is kept, as it is, in the latest replaced log (``ReplacedLogQueries``), whose
    # tables refuse UPDATE, DELETE and TRUNCATE.  Whoever may disable a trigger (the tables' owner) is not stopped.
    # Its search path pinned: the checks' operators are pg_catalog's, whatever the writer's session puts first.
    "CREATE OR REPLACE FUNCTION {s}.sigill_disclosure_log_is_append_only() RETURNS trigger LANGUAGE plpgsql"
    " SET search_path = pg_catalog AS $$"
    " BEGIN"
    "  IF TG_OP = 'UPDATE' AND OLD.seq IS NULL AND to_jsonb(NEW) - 'feed' - 'seq' = to_jsonb(OLD) - 'feed' - 'seq' THEN"
    "   RETURN NEW;"
    "  END IF;"
    "  IF TG_OP = 'TRUNCATE' THEN"
    "   IF NOT EXISTS (SELECT 1 FROM {s}.disclosure_log d WHERE NOT EXISTS (SELECT 1 FROM {s}.replaced_disclosure_log r"
    "     WHERE r.replacement = (SELECT max(replacement) FROM {s}.disclosure_log_replacements) AND r.id = d.id"
    "     AND (" + ", ".join("r." + c for c in KEPT) + ") IS NOT DISTINCT FROM ("
    + ", ".join("d." + c for c in KEPT) + "))) THEN"
    "    RETURN NULL;"
    "   END IF;"
    "   RAISE EXCEPTION 'the disclosure log is emptied only by a rebuild, once its rows are kept as a replaced log';"
    "  END IF;"
    "  RAISE EXCEPTION USING MESSAGE = 'the disclosure log is append-only: ' || TG_OP"
    "   || ' of its rows refused (what the agencies were told stays on record)';"
    " END $$",
    "DROP TRIGGER IF EXISTS append_only ON {s}.disclosure_log",
    "CREATE TRIGGER append_only BEFORE UPDATE OR DELETE ON {s}.disclosure_log"
    " FOR EACH ROW EXECUTE FUNCTION {s}.sigill_disclosure_log_is_append_only()",
    "DROP TRIGGER IF EXISTS no_truncate ON {s}.disclosure_log",
    "CREATE TRIGGER no_truncate BEFORE TRUNCATE ON {s}.disclosure_log"
    " FOR EACH STATEMENT EXECUTE FUNCTION {s}.sigill_disclosure_log_is_append_only()",
    # The disclosure rules' version the views were built under (domain.disclosure.RULES_VERSION).
    "CREATE TABLE IF NOT EXISTS {s}.view_rules (one boolean PRIMARY KEY DEFAULT true CHECK (one),"
    " version integer NOT NULL)",
    # And the digest of the agency catalogue they were built under (``Catalogue.digest``), since 2026-12-06: recorded
    # by a build from the first event, ``MIXED`` once a process under another catalogue writes them, and copied onto
    # the log a rebuild replaces.  NULL: built before it was recorded — the first process to write
    # them records its own, as the catalogue they were built under (``gateways.view_rules.NOTE_CATALOGUE``).
    "ALTER TABLE {s}.view_rules ADD COLUMN IF NOT EXISTS catalogue text",
    *BUILD_TABLES,  # a build from the first event under way, and the rebuilds whose ends are written
]

# A large batch's facts are COPYed into this session-local staging table, then merged into ``view_facts`` in one
# statement (``agency_view_store.MERGE_FACTS``).
STAGE = "CREATE TEMP TABLE IF NOT EXISTS staged_facts (LIKE {s}.view_facts) ON COMMIT DELETE ROWS"


def create_statements(schema: str, tracking_table: str) -> list[Composed]:
    """The views' DDL in order, for ``schema``; ``tracking_table``: the views' single-row tracking table, which
    ``sigill_apply_views`` writes the position to."""
    s = Identifier(schema)
    return [*(SQL(t).format(s=s) for t in TABLES),
            # The record of erasures, beside the views: the auditors' list of erased cases reads it.
            SQL(ERASURES_SCHEMA).format(t=Identifier(schema, ERASURES_TABLE), s=s),
            SQL(DROP_OLD_APPLY_VIEWS).format(s=s),
            SQL(APPLY_VIEWS_FUNCTION).format(s=s, tracking=Identifier(tracking_table)),
            SQL(OLDER_APPLY_VIEWS).format(s=s)]


def every_start_statements(schema: str) -> list[Composed]:
    """What each start runs on the views' tables even when their DDL is current: the plaintext calendars a process
    of the version before may still write, emptied."""
    return [SQL(EMPTY_CALENDARS_IN_CLEAR).format(s=Identifier(schema))]
