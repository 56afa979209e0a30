"""What a process does at each start stays cheap once there is nothing to do: the statements it runs find their
rows through an index, not by reading the whole table."""

from __future__ import annotations

import psycopg
from psycopg import sql

from gateways.idempotency_store import EXPIRED, TABLE, PostgresIdempotencyStore
from gateways.view_tables import EMPTY_CALENDARS_IN_CLEAR
from services.bootstrap import build_view_runner
from tests.builders import CATALOGUE
from tests.service_behaviour import open_case


def plan(conn, statement: sql.Composable) -> str:
    return "\n".join(row[0] for row in conn.execute(sql.SQL("EXPLAIN ") + statement))


def test_forgetting_the_expired_answers_at_start_reads_the_index_on_their_age_not_the_table(postgres):
    PostgresIdempotencyStore(postgres.conninfo()).close()
    with psycopg.connect(postgres.conninfo(), autocommit=True) as conn:
        # A busy day's keys, none expired: the start's delete is to find none without reading them.
        conn.execute(sql.SQL("INSERT INTO {t} (owner, key, request_hash, status)"
                             " SELECT 'o', g::text, '\\x00', 201 FROM generate_series(1, 5000) g")
                     .format(t=sql.Identifier(TABLE)))
        conn.execute(sql.SQL("ANALYZE {t}").format(t=sql.Identifier(TABLE)))
        shown = plan(conn, sql.SQL(EXPIRED).format(t=sql.Identifier("public", TABLE)))
    assert "sigill_idempotency_keys_by_age" in shown and "Seq Scan" not in shown, shown


def test_a_calendar_a_process_of_the_version_before_wrote_in_plaintext_is_emptied_at_the_next_start(
        app, runner, settings, postgres):
    case_id, _ = open_case(app)
    runner.catch_up()
    with psycopg.connect(postgres.conninfo(), autocommit=True) as conn:
        written = conn.execute("UPDATE view_cases SET calendar_by_agency = '{\"*\": \"2027-03-13T23:00:00+00:00\"}'"
                               " WHERE case_id = %s AND agency = %s", (case_id, CATALOGUE.lead_agency))
        assert written.rowcount == 1
    restarted = build_view_runner(app, settings, postgres)
    restarted.store.close()
    with psycopg.connect(postgres.conninfo()) as conn:
        assert conn.execute("SELECT count(*) FROM view_cases WHERE calendar_by_agency IS NOT NULL").fetchone() == (0,)


def test_emptying_the_plaintext_calendars_at_start_reads_an_index_of_the_rows_that_hold_one_not_the_case_lists(
        runner, postgres):
    with psycopg.connect(postgres.conninfo(), autocommit=True) as conn:
        # Many case lists, emptied at a start before: the next start's emptying is to find none without reading them.
        conn.execute("INSERT INTO view_cases (agency, case_id, facts)"
                     " SELECT 'skola', gen_random_uuid(), 1 FROM generate_series(1, 5000)")
        conn.execute("ANALYZE view_cases")
        shown = plan(conn, sql.SQL(EMPTY_CALENDARS_IN_CLEAR).format(s=sql.Identifier("public")))
    assert "view_cases_calendar_in_clear" in shown and "Seq Scan" not in shown, shown
