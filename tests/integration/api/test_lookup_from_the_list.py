"""A lookup by case number answers from the asker's own case list: a number taken but not the asker's to see is
answered as a number never given, after the same work — nothing of the case read, its events not asked for.

Until 2026-12-05 the case was read first (its number's series, its events folded to judge the asker's place), and
the 404 for a taken number came some 0.2 ms after the one for a number never given: any signed-in user timing many
lookups could count which numbers of a municipality's year exist (a red team, 2026-12-05)."""

from __future__ import annotations

from contextlib import contextmanager
from uuid import UUID

import psycopg
from psycopg import sql

from tests.integration.api.flows import ok, school_consent_ending, school_consented_case

NEVER_GIVEN = "0180-2026-0999"


@contextmanager
def case_reads(service):
    """Every read of a case's events (the event store's ``select_events``, by aggregate), every lookup among the
    numbers given and every fold of a case, while the block runs."""
    reads: list[str] = []
    recorder, app, judged = service.app.events.recorder, service.app, service.judged
    select_events, find_case, replay = recorder.select_events, app.find_case, judged.replay

    def counted(name, call, key):
        def wrapper(*args, **kwargs):
            reads.append(f"{name} {kwargs.get(key, args[0] if args else None)}")
            return call(*args, **kwargs)
        return wrapper

    recorder.select_events = counted("events of", select_events, "originator_id")
    app.find_case = counted("number", find_case, "case_number")
    judged.replay = counted("fold of", replay, "case_id")
    try:
        yield reads
    finally:
        del recorder.select_events, app.find_case, judged.replay


def _answer(client, number: str, headers) -> tuple[int, dict]:
    answer = client.get(f"/api/v1/cases/by-number/{number}", headers=headers)
    return answer.status_code, answer.json()


def test_a_taken_number_outside_the_askers_list_reads_nothing_of_the_case_and_answers_as_one_never_given(
        client, users, tick, app, context):
    case_id, _ = school_consented_case(client, users, tick, others={})   # the police in the group, no consent
    number = app.get_case(UUID(case_id)).case_number
    askers = {"a member not in the group": users.headers("bup", "member"),
              "a member no consent lets see the case": users.police,
              "the school of another municipality": users.headers("skola", "member", municipality="0181"),
              "social services of another municipality": users.headers("socialtjanst", "caseworker",
                                                                       municipality="0181"),
              "social services' account of no case role": users.headers("socialtjanst", "member")}
    for who, headers in askers.items():
        client.get("/api/v1/cases", headers=headers)   # the views caught up with the case (what a lookup waits for)
        with case_reads(context.cases) as reads:
            taken = _answer(client, number, headers)
        never = _answer(client, NEVER_GIVEN, headers)
        assert taken == never and taken[0] == 404 and taken[1]["error"]["field"] == "path.case_number", (who, taken)
        assert reads == [], (who, reads)


def test_a_member_in_the_case_finds_it_as_soon_as_its_list_shows_it_and_the_lead_finds_every_case_of_its_own(
        client, users, tick, app, context):
    """The views may trail the events by a moment: the lookup catches them up first, as a list read does, so the
    school finds the case right after its consent and its joining the group (no list read between)."""
    case_id, _ = school_consented_case(client, users, tick)
    number = app.get_case(UUID(case_id)).case_number
    assert ok(client.get(f"/api/v1/cases/by-number/{number}", headers=users.school))["case_id"] == case_id
    assert ok(client.get(f"/api/v1/cases/by-number/ {number} ", headers=users.school))["case_id"] == case_id
    assert ok(client.get(f"/api/v1/cases/by-number/{number}", headers=users.social))["case_id"] == case_id
    assert ok(client.get(f"/api/v1/cases/by-number/{number}", headers=users.auditor))["case_id"] == case_id
    listed = [c["case_number"] for c in ok(client.get("/api/v1/cases", headers=users.school))["cases"]]
    assert listed == [number]


def test_a_misshapen_number_is_still_refused_naming_the_field(client, users):
    answer = client.get("/api/v1/cases/by-number/0180-26-1", headers=users.school)
    assert answer.status_code == 422 and answer.json()["error"]["field"] == "path.case_number", answer.text


def test_the_lookup_is_one_probe_of_the_index_by_agency_and_number_not_a_read_of_the_list(runner, postgres):
    from gateways.case_list_queries import LISTED_BY_NUMBER   # here: the file's other tests run on the code before

    with psycopg.connect(postgres.conninfo(), autocommit=True) as conn:
        # A large municipality's lists: the lookup is to find its row, or none, without reading them.
        conn.execute("INSERT INTO view_cases (agency, case_id, case_number, facts) SELECT 'skola', gen_random_uuid(),"
                     " '0180-2026-' || lpad(g::text, 4, '0'), 1 FROM generate_series(1, 5000) g")
        conn.execute("INSERT INTO case_municipality SELECT case_id, '0180' FROM view_cases")
        conn.execute("ANALYZE view_cases")
        conn.execute("ANALYZE case_municipality")
        shown = "\n".join(row[0] for row in conn.execute(
            sql.SQL("EXPLAIN ") + sql.SQL(LISTED_BY_NUMBER).format(s=sql.Identifier("public")),
            ("skola", "0180-2026-0042", "0180")))
    assert "view_cases_by_number" in shown and "Seq Scan" not in shown, shown


def test_a_case_the_calendar_withholds_from_the_member_now_is_not_found_and_not_read(client, users, tick, app,
                                                                                       context):
    """A consent that ended by date before the keeper recorded it: the school's list leaves the case out
    (``calendar_withholds``), and the lookup answers from that list — 404 as for a number never given, nothing of
    the case read.  It found the list's stale row (a red team, 2026-12-05), read the case's events and judged it:
    slower than a number never given, and answered unlike the list."""
    from datetime import datetime, timezone

    case_id = school_consent_ending(client, users, tick)
    number = app.get_case(UUID(case_id)).case_number
    assert ok(client.get(f"/api/v1/cases/by-number/{number}", headers=users.school))["case_id"] == case_id
    app.clock.set(datetime(2026, 2, 11, 8, tzinfo=timezone.utc))   # the morning after the last day; no keeper yet
    assert [c for c in ok(client.get("/api/v1/cases", headers=users.school))["cases"] if c["case_id"] == case_id] \
        == []
    with case_reads(context.cases) as reads:
        taken = _answer(client, number, users.school)
    assert taken == _answer(client, NEVER_GIVEN, users.school) and taken[0] == 404, taken
    assert reads == [], reads
