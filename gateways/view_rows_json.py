"""A small batch's view changes as JSON, written by one call of a function in the database.

The follower writes a batch of a few events in every round, and each statement psycopg sends costs the
follower's process about 0.1 ms of CPU: the dozen a batch needed (lock, start check, facts, case lists,
municipalities, numbering, log, counters, tracking, BEGIN and COMMIT) were most of its round.  So a small
batch goes as one statement, ``sigill_apply_views(…)``, its rows as JSON (one array per row: times in ISO
form, a basis as its JSON text, bytes in hex): one statement, one round trip, its own transaction.

What it stores is what the binary COPY of ``gateways.agency_view_store`` stores, numbering included (a test
holds the two equal).  It refuses a batch judged from a position that is no longer the stored one with
SQLSTATE ``MOVED_ON`` (the caller's ``ViewsMovedOn``), as it does one whose event ids were made under a secret
since renewed; one judged under other disclosure rules than the views record with ``OTHER_RULES`` (the caller's
``ViewsUnderOtherRules``); one with a case whose key was destroyed since it was judged with ``ERASED_SINCE`` (the
caller writes it by COPY, which leaves that case's rows out); and one already tracked as a unique violation.
"""

from __future__ import annotations

import json
from typing import Any

from gateways.keystore import KEYS_TABLE

MOVED_ON = "SGV01"  # a class of SQLSTATEs PostgreSQL does not use
# In the integrity violations' class, which psycopg and eventsourcing raise as IntegrityError: a process of the
# version before, calling a form below that knows no rules, then backs off (its follower's "database" retry, up to
# 30 s) and its API workers' case lists answer from the views as they stand — as MOVED_ON they would retry at once,
# judging the batch again each time, and its follower would do so every poll.
OTHER_RULES = "23SG1"
# A case of the batch erased since it was judged (``PostgresAgencyViewStore._erased_since``): rare, so the caller
# writes the batch again by COPY, which leaves the case's rows out, rather than this function doing so as well.
ERASED_SINCE = "SGV02"

# The case lists' rows (``view_batch_rows.SUMMARY_COLUMNS``) and the keys of those to delete, each as a JSON
# array of arrays in ROWS: by this function, and by a large batch's writer too (``executemany`` took ~0.16 ms a
# row, row by row; one statement takes a batch's few hundred in a few).  A row's last field is its calendar sealed,
# in hex; a process of the version before (2026-12-04) sends it as a plain object, which is not kept (the row then
# waits for its case's next moment).
UNLIST_CASES = ("DELETE FROM {s}.view_cases v USING json_array_elements(ROWS) AS g"
                " WHERE v.agency = g->>0 AND v.case_id = (g->>1)::uuid")
LIST_CASES = """INSERT INTO {s}.view_cases (agency, case_id, case_number, phase, next_meeting, plan_revision, facts,
            consents_in_force, next_consent_end, next_calendar_moment, plan_follow_up, calendar_sealed,
            protected_personal_data)
        SELECT r->>0, (r->>1)::uuid, r->>2, r->>3, (r->>4)::date, (r->>5)::int4,
            (r->>6)::int4, (r->>7)::int4, (r->>8)::date, (r->>9)::timestamptz, nullif((r->10)::jsonb, 'null'),
            CASE WHEN json_typeof(r->11) = 'string' THEN decode(r->>11, 'hex') END, nullif((r->12)::jsonb, 'null')
        FROM json_array_elements(ROWS) AS r
        ON CONFLICT (agency, case_id) DO UPDATE SET case_number = excluded.case_number, phase = excluded.phase,
            next_meeting = excluded.next_meeting, plan_revision = excluded.plan_revision, facts = excluded.facts,
            consents_in_force = excluded.consents_in_force, next_consent_end = excluded.next_consent_end,
            next_calendar_moment = excluded.next_calendar_moment, plan_follow_up = excluded.plan_follow_up,
            calendar_sealed = excluded.calendar_sealed, calendar_by_agency = NULL,
            protected_personal_data = excluded.protected_personal_data"""

# Formatted with {s} (the schema) and {tracking} (the views' single-row tracking table); nothing else in it
# may hold braces.  Rows: facts as ``FACT_TYPES``, log rows as ``LOG_TYPES`` less their feed and number.
# ``generation``: the ids' generation the batch's event ids were made under (NULL: no log rows, nothing to check).
# A batch made before a renewal (`sigill views rebuild --after-restore`) that starts at 0 would pass the start check
# once the renewal has emptied the views, and write event ids under the old secret: refused as moved on, so the
# runner makes them again under the new one.  The argument came last on 2026-12-05: CREATE OR REPLACE with another
# argument list makes a second function beside the nine-argument one, which is left for a process of the version
# before still running (it checks no generation, as that version did not).
# ``rules``: the disclosure rules' version the batch was judged under.  Views recorded as built under other rules
# (``view_rules``) refuse it, so a process of another version (a rolling upgrade) writes no rows judged under its
# rules into views of another's.  It came last on 2026-12-06, beside the older forms (``OLDER_APPLY_VIEWS``).
APPLY_VIEWS_FUNCTION = """
CREATE OR REPLACE FUNCTION {s}.sigill_apply_views(app text, start bigint, tracked bigint,
    facts json, gone json, listed json, unlisted json, places json, log json, generation text, rules integer)
RETURNS json LANGUAGE plpgsql AS $body$
DECLARE
    stored bigint;
    stored_generation text;
    stored_rules integer;
    numbers json;
    cases uuid[];
BEGIN
    -- Writers are serialised by this lock before any row is numbered (see PostgresAgencyViewStore.apply).
    LOCK TABLE {s}.disclosure_log IN SHARE ROW EXCLUSIVE MODE;
    SELECT (SELECT notification_id FROM {s}.{tracking} WHERE application_name = app),
        (SELECT id_generation FROM {s}.feed_state), (SELECT version FROM {s}.view_rules)
        INTO stored, stored_generation, stored_rules;
    IF start IS NOT NULL AND coalesce(stored, 0) <> start THEN
        RAISE EXCEPTION 'the views are at %; this batch starts at %', coalesce(stored, 0), start
            USING ERRCODE = '""" + MOVED_ON + """';
    END IF;
    IF generation IS NOT NULL AND stored_generation IS DISTINCT FROM generation THEN
        RAISE EXCEPTION 'the ids were renewed (generation %); this batch''s are of %', stored_generation,
            generation USING ERRCODE = '""" + MOVED_ON + """';
    END IF;
    IF stored_rules <> rules THEN   -- none recorded (nothing built yet): the first build records its own
        RAISE EXCEPTION 'the views are built under disclosure rules %; this batch under %', stored_rules, rules
            USING ERRCODE = '""" + OTHER_RULES + """';
    END IF;
    -- An erasure told to the feeds (record_erasures, under this lock) since the batch was judged: none of the
    -- case's rows may follow it (its plaintext case list would be kept for good).
    -- The cases as an array, looked up by the keys' primary key: a join of the JSON rows with the keys table could
    -- be planned as a scan of every key, in every round of the follower.
    cases := ARRAY(SELECT (r->>0)::uuid FROM json_array_elements(log) AS r
            UNION SELECT (r->>1)::uuid FROM json_array_elements(facts) AS r
            UNION SELECT (r->>1)::uuid FROM json_array_elements(listed) AS r);
    IF EXISTS (SELECT 1 FROM {s}.""" + KEYS_TABLE + """ k WHERE k.aggregate_id = ANY(cases) AND k.wrapped_key IS NULL)
    THEN
        RAISE EXCEPTION 'a case of this batch was erased since it was judged'
            USING ERRCODE = '""" + ERASED_SINCE + """';
    END IF;
    INSERT INTO {s}.{tracking} VALUES (app, tracked) ON CONFLICT (application_name) DO UPDATE
        SET notification_id = excluded.notification_id WHERE {tracking}.notification_id < excluded.notification_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'Failed to record tracking for % %', app, tracked USING ERRCODE = 'unique_violation';
    END IF;

    INSERT INTO {s}.view_facts SELECT r->>0, (r->>1)::uuid, r->>2, (r->>3)::int4, r->>4, r->>5, r->>6,
            (r->>7)::timestamptz, (r->>8)::timestamptz, (r->>9)::jsonb, decode(r->>10, 'hex')
        FROM json_array_elements(facts) AS r
        ON CONFLICT (agency, case_id, fact_id) DO UPDATE SET basis = excluded.basis, content = excluded.content,
            visible_since = coalesce(excluded.visible_since, view_facts.visible_since);
    DELETE FROM {s}.view_facts v USING json_array_elements(gone) AS g
        WHERE v.agency = g->>0 AND v.case_id = (g->>1)::uuid AND v.fact_id = g->>2;
    """ + UNLIST_CASES.replace("ROWS", "unlisted") + """;
    """ + LIST_CASES.replace("ROWS", "listed") + """;
    -- A case never moves: the first row stays (a rebuild refers every case again).
    INSERT INTO {s}.case_municipality SELECT (r->>0)::uuid, r->>1 FROM json_array_elements(places) AS r
        ON CONFLICT (case_id) DO NOTHING;

    -- Each log row's feed (its agency's in its case's municipality) and the next number in it.
    WITH rows AS (
        SELECT j.r, j.n, CASE WHEN coalesce(m.municipality, '') = '' THEN j.r->>1
                              ELSE (j.r->>1) || '.' || m.municipality END AS feed
        FROM json_array_elements(log) WITH ORDINALITY AS j(r, n)
        LEFT JOIN {s}.case_municipality m ON m.case_id = (j.r->>0)::uuid),
    numbered AS (
        SELECT rows.*, coalesce(c.last_seq, 0) + row_number() OVER (PARTITION BY rows.feed ORDER BY rows.n) AS seq
        FROM rows LEFT JOIN {s}.feed_sequence c ON c.feed = rows.feed),
    logged AS (
        INSERT INTO {s}.disclosure_log (case_id, agency, fact_id, kind, category, change, basis, at,
                notification_id, event_id, content, cause, feed, seq)
            SELECT (r->>0)::uuid, r->>1, r->>2, r->>3, r->>4, r->>5, (r->>6)::jsonb, (r->>7)::timestamptz,
                (r->>8)::int8, (r->>9)::uuid, decode(r->>10, 'hex'), (r->>11)::jsonb, feed, seq
            FROM numbered ORDER BY n),
    counted AS (
        INSERT INTO {s}.feed_sequence SELECT feed, max(seq) FROM numbered GROUP BY feed
            ON CONFLICT (feed) DO UPDATE SET last_seq = excluded.last_seq)
    SELECT json_agg(json_build_array(feed, seq) ORDER BY n) INTO numbers FROM numbered;
    RETURN json_build_object('epoch', (SELECT epoch FROM {s}.feed_state), 'numbers', coalesce(numbers, '[]'));
END
$body$"""
APPLY_VIEWS = "SELECT {s}.sigill_apply_views(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
# The forms a process of a version before calls, made to call this one with the rules it judged under, so that its
# batches are refused too: the ten-argument form's callers (2026-12-05 on) are of rules 7; the nine-argument form's
# (rules 3 to 7, from before) are refused by views of rules above 7 and otherwise written as before.  Each made only
# where it is (a database set up since has no nine-argument form, and gets none).
OLDER_APPLY_VIEWS = """
DO $older$ BEGIN
    IF to_regprocedure('{s}.sigill_apply_views(text, bigint, bigint, json, json, json, json, json, json, text)')
            IS NOT NULL THEN
        CREATE OR REPLACE FUNCTION {s}.sigill_apply_views(app text, start bigint, tracked bigint, facts json,
            gone json, listed json, unlisted json, places json, log json, generation text) RETURNS json
        LANGUAGE sql AS $f$ SELECT {s}.sigill_apply_views(app, start, tracked, facts, gone, listed, unlisted,
            places, log, generation, 7) $f$;
    END IF;
    IF to_regprocedure('{s}.sigill_apply_views(text, bigint, bigint, json, json, json, json, json, json)')
            IS NOT NULL THEN
        CREATE OR REPLACE FUNCTION {s}.sigill_apply_views(app text, start bigint, tracked bigint, facts json,
            gone json, listed json, unlisted json, places json, log json) RETURNS json
        LANGUAGE sql AS $f$ SELECT {s}.sigill_apply_views(app, start, tracked, facts, gone, listed, unlisted,
            places, log, NULL, least(7, (SELECT version FROM {s}.view_rules))) $f$;
    END IF;
END $older$"""
# Until RULES_VERSION 3 only the lead agency's feed was per municipality, and the function was told which it was.
DROP_OLD_APPLY_VIEWS = ("DROP FUNCTION IF EXISTS {s}.sigill_apply_views(text, bigint, bigint, text, json, json, json,"
                        " json, json, json)")


def apply_views_arguments(app: str, start: int | None, tracked: int, facts: list[tuple],
                          gone: list[tuple], listed: list[tuple], unlisted: list[tuple],
                          places: dict[Any, str], log: list[list], generation: str | None, rules: int) -> tuple:
    """``APPLY_VIEWS``'s parameters: the rows as JSON texts; ``generation``, the ids' the log rows' event ids were
    made under; ``rules``, the disclosure rules' version the batch was judged under."""
    return (app, start, tracked, facts_json(facts), rows_json(gone), rows_json(listed), rows_json(unlisted),
            rows_json(list(places.items())), log_json(log), generation, rules)


def facts_json(facts: list[tuple]) -> str:
    """Fact rows (as ``FACT_TYPES``) as JSON: times in ISO form, the basis's JSON text, content in hex."""
    return json.dumps([[a, str(c), f, v, k, cat, o, r.isoformat(), s and s.isoformat(), b[1:].decode(), x.hex()]
                       for a, c, f, v, k, cat, o, r, s, b, x in facts])


def log_json(log: list[list]) -> str:
    """Log rows (as ``LOG_TYPES``, without their feed and number) as JSON, in the same way; an event id as
    its 32 hex digits."""
    return json.dumps([[str(c), a, f, k, cat, ch, b[1:].decode(), at.isoformat(), n, e.hex(),
                        None if x is None else x.hex(), cause[1:].decode()]
                       for c, a, f, k, cat, ch, b, at, n, e, x, cause, *_ in log])


def rows_json(rows: list) -> str:
    """Rows of plain values, dates, times and case ids as a JSON array of arrays (the last three as text)."""
    return json.dumps(rows, default=_iso)


def _iso(value: Any) -> str:
    return value.isoformat() if hasattr(value, "isoformat") else str(value)  # dates, times and case ids
