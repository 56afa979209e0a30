"""The agency views on PostgreSQL: equal to the disclosure rules, exactly once, rebuildable."""

from __future__ import annotations

import base64
import json
import os
from datetime import date, timedelta
from uuid import UUID

import psycopg
import pytest
from eventsourcing.persistence import IntegrityError, Tracking
from hypothesis import HealthCheck, example, given, settings as hsettings
from hypothesis import strategies as st

from domain.disclosure import VisibilityChange, disclosure_log, disclosures_at
from domain.judge import ORIGIN, Basis
from domain.values import YOUNG_PERSON, Guardian, ScopeEntry
from gateways.case_list_queries import calendar_where
from gateways.sealing import unseal
from projections.agency_views import ViewUpdate
from services.bootstrap import build_application, build_view_runner
from services.clock import ManualClock
from services.settings import Settings
from services.stored_log import replaced_logs, stored_change
from tests.builders import CATALOGUE, POLICE, SCHOOL, SOCIAL, utc
from tests.service_behaviour import consenting_school, contributed_case, open_case
from tests.unit.domain.test_disclosure_properties import histories, story_of

AGENCIES = tuple(CATALOGUE.agencies)


def busy_case(app):
    case_id = contributed_case(app)
    young = next(c for c in app.get_case(case_id).consents.values() if c.consenter == "young_person")
    app.clock.advance(timedelta(hours=1))
    app.withdraw_consent(case_id, by=SOCIAL, consent_id=young.consent_id, consenter="young_person")
    return case_id


def stored_view(runner, case_id, agency) -> dict:
    return {f.fact_id: f.basis for f in runner.store.facts(agency, case_id)}


def expected_view(app, case_id, agency) -> dict:
    history = app.history(case_id)
    return {d.fact.fact_id: d.basis for d in disclosures_at(history, agency, history[-1].timestamp, CATALOGUE)}


def stored_log(runner, case_id) -> list:
    """The stored log's rows, each with its basis and its cause as the domain says them."""
    return [(r["agency"], r["fact_id"], r["change"], r["at"], *stored_change(r))
            for r in runner.store.disclosure_log(case_id)]


def expected_log(app, case_id) -> list:
    history = app.history(case_id)
    return [(c.agency, c.fact.fact_id, c.change, c.at, c.basis, c.cause)
            for c in disclosure_log(history, AGENCIES, history[-1].timestamp, CATALOGUE)]


def test_every_agencys_view_is_what_the_rules_say(app, runner):
    case_id = busy_case(app)
    runner.catch_up()
    for agency in AGENCIES:
        assert stored_view(runner, case_id, agency) == expected_view(app, case_id, agency), agency
    school = {f.content.get("text") for f in runner.store.facts("skola", case_id)}
    assert "Närvaro 80 %." in school and "Skolk observerat." not in school  # withdrawn: only its own remains


def test_the_disclosure_log_table_is_the_rules_log(app, runner):
    case_id = busy_case(app)
    runner.catch_up()
    assert stored_log(runner, case_id) == expected_log(app, case_id)


def test_the_case_lists_say_phase_and_consents_for_social_services(app, runner):
    case_id = busy_case(app)
    other, _ = open_case(app)
    runner.catch_up()
    social = {r["case_id"]: r for r in runner.store.cases("socialtjanst")}
    assert social[case_id]["phase"] == "accepted" and social[case_id]["consents_in_force"] == 2
    assert social[other]["phase"] == "referred"
    assert [r["case_id"] for r in runner.store.cases("skola")] == [case_id]  # the school sees only its own now
    assert runner.store.cases("bup") == []


def test_the_case_lists_plan_status_counts_the_rows_each_agency_sees_by_their_latest_follow_up(app, runner):
    from domain.group_commands import PlanRowDraft

    case_id = consenting_school(app)   # the school may see `school`, not `health`
    app.revise_plan(case_id, by=SOCIAL, main_goal="Mål", rows=[
        PlanRowDraft("Skola", "I tid", "Väckarklocka", "Den unge", ("skola",), category="school"),
        PlanRowDraft("Hälsa", "Sova", "Rutiner", "Den unge", category="health")])
    rows = {r.category: r.row_id for r in app.get_case(case_id).plan_rows.values()}
    app.record_follow_up(case_id, by=SOCIAL, row_id=rows["school"], status="ongoing", note="Pågår.")
    app.record_follow_up(case_id, by=SCHOOL, row_id=rows["school"], status="achieved", note="Klart.")
    app.record_follow_up(case_id, by=SOCIAL, row_id=rows["health"], status="partly", note="Delvis.")
    runner.catch_up()
    # Each from what it sees: no consent lets social services see the school's follow-up (a member's own record),
    # so its latest on the school row is its own; the health row and its follow-up are not the school's.
    social = {r["case_id"]: r for r in runner.store.cases("socialtjanst")}[case_id]
    assert social["plan_revision"] == 1 and social["plan_follow_up"] == {"ongoing": 1, "partly": 1}
    school = {r["case_id"]: r for r in runner.store.cases("skola")}[case_id]
    assert school["plan_follow_up"] == {"achieved": 1}
    # A new revision with only a row the school may not see: the school's plan is revision 2 with no row of its
    # own, not the old revision's row counted as if it were still the plan.
    app.revise_plan(case_id, by=SOCIAL, main_goal="Mål 2", rows=[
        PlanRowDraft("Hälsa", "Sova", "Rutiner", "Den unge", category="health")])
    runner.catch_up()
    school = {r["case_id"]: r for r in runner.store.cases("skola")}[case_id]
    assert school["plan_revision"] == 2 and school["plan_follow_up"] is None


def test_catching_up_again_repeats_nothing(app, runner):
    case_id = busy_case(app)
    runner.catch_up()
    before = stored_log(runner, case_id)
    assert runner.catch_up() == 0 and stored_log(runner, case_id) == before


def test_a_batch_already_tracked_is_refused_and_writes_nothing(app, runner):
    case_id = busy_case(app)
    runner.catch_up()
    rows = len(runner.store.disclosure_log(case_id))
    update = ViewUpdate(log=list(_one_change(runner, case_id)))
    with pytest.raises(IntegrityError):
        runner.store.apply(update, Tracking(app.name, runner.position))
    assert len(runner.store.disclosure_log(case_id)) == rows


def test_a_small_batch_refused_as_moved_on_commits_nothing(app, runner, postgres):
    """A small batch is written by one call of a function in the database, which checks the start itself: a
    refused batch leaves no fact, case list, log row or tracking of it behind."""
    from services.ports import ViewsMovedOn

    case_id = busy_case(app)
    runner.catch_up()
    position = runner.position

    def stored():
        with psycopg.connect(postgres.conninfo()) as conn:
            return [conn.execute(q).fetchall() for q in (
                "SELECT agency, fact_id, basis, visible_since FROM view_facts ORDER BY 1, 2",
                "SELECT * FROM view_cases ORDER BY 1, 2", "SELECT count(*) FROM disclosure_log",
                "SELECT max(notification_id) FROM agency_views_tracking")]

    before = stored()
    update = ViewUpdate(log=list(_one_change(runner, case_id)), summaries={("skola", case_id): None})
    with pytest.raises(ViewsMovedOn):
        runner.store.apply(update, Tracking(app.name, position + 1_000), start=position - 1)
    assert stored() == before
    runner.store.apply(update, Tracking(app.name, position + 1_000), start=position)  # the pooled connection
    assert stored()[3] == [(position + 1_000,)]                                       # is fit for the next

def test_a_crash_between_batches_neither_loses_nor_repeats(app, runner, settings, postgres, monkeypatch):
    case_id = busy_case(app)
    runner.batch_size = 4
    calls = {"n": 0}
    real_write = runner.store.write

    def crashing(prepared, tracking, start=None):
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("power cut")
        return real_write(prepared, tracking, start)

    monkeypatch.setattr(runner.store, "write", crashing)
    with pytest.raises(RuntimeError):
        runner.catch_up()
    restarted = build_view_runner(app, settings, postgres)  # a new process: nothing in memory
    restarted.batch_size = 4
    restarted.catch_up()
    assert stored_log(restarted, case_id) == expected_log(app, case_id)
    restarted.store.close()


def test_two_processes_catching_up_at_once_write_each_change_once_in_commit_order(app, runner, settings, postgres):
    case_id = busy_case(app)
    other = build_view_runner(app, settings, postgres)  # the follower, say, beside this API worker
    other.batch_size = runner.batch_size = 4
    judge = runner.views.process

    def overtaken(batch):  # the other process commits the same notifications while this one judges them
        update = judge(batch)
        if not other.position:
            other.catch_up()
        return update

    runner.views.process = overtaken
    runner.catch_up()
    assert stored_log(runner, case_id) == expected_log(app, case_id)
    with psycopg.connect(postgres.conninfo()) as conn:
        ids = [r[0] for r in conn.execute("SELECT id FROM disclosure_log ORDER BY notification_id, id")]
    assert ids == sorted(ids)  # a feed reader following the ids misses nothing
    other.store.close()


def test_rebuilding_from_scratch_gives_the_same_views(app, runner):
    case_id = busy_case(app)
    runner.catch_up()
    before = {a: stored_view(runner, case_id, a) for a in AGENCIES}, stored_log(runner, case_id)
    runner.rebuild()
    assert ({a: stored_view(runner, case_id, a) for a in AGENCIES}, stored_log(runner, case_id)) == before


def everything_stored(runner, postgres, case_id) -> tuple:
    """Every row the views keep of the case, sealed content unsealed (its nonces differ from write to write)."""
    with psycopg.connect(postgres.conninfo()) as conn:
        facts = conn.execute("SELECT agency, case_id, fact_id, version, kind, category, origin, recorded_at,"
                             " visible_since, basis FROM view_facts ORDER BY agency, fact_id").fetchall()
        log = conn.execute("SELECT case_id, agency, fact_id, kind, category, change, basis, at, notification_id,"
                           " event_id, content IS NULL, feed, seq, cause FROM disclosure_log ORDER BY feed, seq"
                           ).fetchall()
        cases = [(*row[:-1], opened_calendar(runner, row[1], row[-1])) for row in conn.execute(
            "SELECT agency, case_id, case_number, phase, next_meeting, plan_revision, facts, consents_in_force,"
            " next_consent_end, next_calendar_moment, plan_follow_up, calendar_by_agency, calendar_sealed"
            " FROM view_cases ORDER BY agency").fetchall()]
        counters = conn.execute("SELECT * FROM feed_sequence ORDER BY feed").fetchall()
    contents = {a: [f.content for f in runner.store.facts(a, case_id)] for a in AGENCIES}
    feeds = sorted({row[11] for row in log})
    messages = {feed: [(m.fact_id, m.content) for m in runner.store.feed(feed)] for feed in feeds}
    return facts, log, cases, counters, contents, messages


def opened_calendar(runner, case_id: UUID, sealed: bytes | None) -> dict | None:
    """A case-list row's calendar, unsealed (the lead's row alone has one)."""
    if sealed is None:
        return None
    key = runner.store.keystore.data_key(case_id, create=False)
    return json.loads(unseal(key, sealed, calendar_where(case_id, CATALOGUE.lead_agency)))


def test_small_batches_written_in_one_call_store_what_large_ones_copied_store(app, runner, postgres, monkeypatch):
    from gateways import view_batch_rows

    from domain.group_commands import PlanRowDraft

    case_id = busy_case(app)
    app.revise_plan(case_id, by=SOCIAL, main_goal="Mål", rows=[   # the case lists' plan status, both ways
        PlanRowDraft("Skola", "I tid", "Väckarklocka", "Den unge"), PlanRowDraft("Hälsa", "Sova", "Rutiner", "Den unge")])
    row_id = next(iter(app.get_case(case_id).plan_rows))
    app.record_follow_up(case_id, by=SOCIAL, row_id=row_id, status="achieved", note="Klart.")
    # The young person's consent again (busy_case withdrew hers): the 18th birthday is the school's moment ahead.
    app.grant_consent(case_id, by=SOCIAL, consenter=YOUNG_PERSON, scope=(ScopeEntry("skola", ("school",)),),
                      purpose="Samordning", valid_from=date(2026, 2, 3), valid_until=None, form="written")
    open_case(app, municipality="1280")  # every feed is one per municipality, each numbered on its own
    called = []
    write = runner.store._write_in_one_call
    monkeypatch.setattr(runner.store, "_write_in_one_call", lambda *a: called.append(1) or write(*a))
    offered = {}  # what the feed publisher is handed: each row's feed and number, from the function's answer
    runner.written = lambda written: offered.update({UUID(bytes=r[9]): (r[-2], r[-1]) for r in written.rows})
    runner.batch_size = 3   # the follower's way: a few events a batch
    runner.catch_up()
    assert len(called) > 3
    small = everything_stored(runner, postgres, case_id)
    assert offered == {row[9]: (row[11], row[12]) for row in small[1]}
    assert {row[11] for row in small[1]} >= {"socialtjanst.0180", "socialtjanst.1280", "skola.0180"}
    monkeypatch.setattr(view_batch_rows, "SMALL_BATCH_ROWS", -1)   # from now on every batch goes by COPY
    sent = len(called)
    runner.rebuild()
    copied = everything_stored(runner, postgres, case_id)
    assert copied == small and len(called) == sent
    assert small[1] and small[4]["skola"]
    assert all(row[13] for row in small[1])   # every log row with its cause
    assert {"achieved": 1, "none": 1} in [row[-3] for row in small[2]]   # view_cases: plan_follow_up …
    assert {"skola": "2027-03-13T23:00:00+00:00"} in [row[-1] for row in small[2]]   # … the calendar per agency,
    assert all(row[-2] is None for row in small[2])                            # sealed both ways


def test_view_content_is_stored_encrypted(app, runner, postgres):
    busy_case(app)
    runner.catch_up()
    with psycopg.connect(postgres.conninfo()) as conn:
        dump = repr(conn.execute("SELECT * FROM view_facts").fetchall()) + repr(
            conn.execute("SELECT * FROM disclosure_log").fetchall())
    assert "Skolk" not in dump and "Peter" not in dump


def test_the_18th_birthday_is_in_no_column_of_the_case_lists_while_another_moment_comes_first(app, runner,
                                                                                               postgres):
    """The lead's row keeps when the calendar next changes what each agency sees (``calendar_by_agency``): the 18th
    birthday among them, so the birth date, for an agency whose next moment it is.  Sealed under the case's key since
    2026-12-04 (it was plaintext); ``next_calendar_moment`` holds the birthday only while it is the case's next
    moment (README).  Here the school's next moment is the consent's end, and the birthday concerns no other agency
    (until 2026-12-06 it was every agency's, under "*")."""
    case_id = consenting_school(app)
    app.grant_consent(case_id, by=SOCIAL, consenter=YOUNG_PERSON, scope=(ScopeEntry("skola", ("school",)),),
                      purpose="Samordning", valid_from=date(2026, 2, 3), valid_until=date(2026, 2, 10), form="written")
    runner.catch_up()
    with psycopg.connect(postgres.conninfo()) as conn:
        dump = repr(conn.execute("SELECT * FROM view_cases").fetchall())
        lead_row = conn.execute("SELECT calendar_by_agency, calendar_sealed FROM view_cases WHERE agency = %s",
                                (CATALOGUE.lead_agency,)).fetchone()
    assert "2027, 3, 13" not in dump and "2027-03-13" not in dump   # 20090314-…: Stockholm midnight, 23:00 UTC
    assert lead_row[0] is None
    assert opened_calendar(runner, case_id, lead_row[1]) == {"skola": "2026-02-10T23:00:00+00:00"}


MINUTES, DAYS = timedelta(minutes=5), timedelta(days=3)
# Steps as the random histories draw them: a group's meetings planned every way there is — a meeting's next meeting,
# a member's (social services seeing it through consent) planning later, a scheduling refused as already planned by
# it and one moving it, a meeting held since, another back-dated (planning nothing), the next meeting called off and
# planned anew, the consent withdrawn, and the member's next meeting after it.  Eight random examples seldom do it all.
PLANNED_EVERY_WAY = [
    ("consent", 0, {"socialtjanst": ("case", "school"), "skola": ("case", "school")}, 200, 0, MINUTES),
    ("meeting", "school", 0, 0, 14, DAYS), ("meeting", "school", 1, 0, 21, MINUTES),
    ("schedule", 21, None, MINUTES), ("schedule", 7, "individmote", MINUTES),
    ("meeting", "school", 0, 0, 30, 4 * DAYS), ("meeting", "health", 0, 10, 0, MINUTES),
    ("schedule", None, None, DAYS), ("schedule", 14, "natverksmote", MINUTES),
    ("withdraw", 0, DAYS), ("meeting", "school", 1, 0, 7, 4 * DAYS),
]


@hsettings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(histories(), min_size=1, max_size=3), st.integers(1, 40))
@example(stories=[story_of("20090314-2388", {"skola", "polis"}, PLANNED_EVERY_WAY)], batch=2)
def test_over_random_histories_incremental_rebuilt_and_pure_agree(postgres_server, tmp_path_factory, stories, batch):
    from uuid import uuid4

    from gateways.embedded_postgres import create_database
    from tests.conftest import drop_database

    location = create_database(postgres_server, f"h_{uuid4().hex[:12]}")
    settings = Settings(data_dir=tmp_path_factory.mktemp("h"), master_key=base64.b64encode(os.urandom(32)).decode())
    app = build_application(settings, clock=ManualClock(utc(2026, 2, 3)), location=location)
    runner = None
    try:
        runner = build_view_runner(app, settings, location)
        runner.batch_size = batch
        for story in stories:
            app.save(story.case)
            runner.catch_up()  # incrementally, story by story, in small batches
        cases = [s.case.id for s in stories]
        incremental = {c: ({a: stored_view(runner, c, a) for a in AGENCIES}, stored_log(runner, c)) for c in cases}
        listed = listed_next_meetings(runner)
        runner.rebuild()
        assert listed_next_meetings(runner) == listed
        for c in cases:
            assert ({a: stored_view(runner, c, a) for a in AGENCIES}, stored_log(runner, c)) == incremental[c]
            assert incremental[c][1] == expected_log(app, c)
            for agency in AGENCIES:
                assert incremental[c][0][agency] == expected_view(app, c, agency)
                if (agency, c) in listed:   # the case list's next meeting: the one the agency's facts leave standing
                    assert listed[agency, c] == expected_next_meeting(app, c, agency), (agency, c)
            # The log the rebuild replaced, built under today's rules, is the events' log up to its position: held
            # to them (``ReplacedLog.held``), it differs in nothing.
            for log in replaced_logs(runner.store.replacements(), runner.store.replaced_log(c),
                                   runner.store.disclosure_log(c)):
                assert log.held and not (log.only_replaced or log.only_current or log.unfounded), (c, log)
    finally:
        if runner is not None:
            runner.store.close()
        app.close()
        drop_database(postgres_server, location.dbname)


def listed_next_meetings(runner) -> dict:
    """Each agency's case list's next meeting, by agency and case (of the cases it lists)."""
    return {(a, r["case_id"]): r["next_meeting"] for a in AGENCIES for r in runner.store.cases(a)}


def expected_next_meeting(app, case_id, agency) -> date | None:
    from projections.agency_queries import next_meeting

    history = app.history(case_id)
    planned = next_meeting(d.fact for d in disclosures_at(history, agency, history[-1].timestamp, CATALOGUE))
    return None if planned is None else planned.on


def _one_change(runner, case_id):
    fact = runner.views._cases[case_id].replay.facts[0]
    yield case_id, VisibilityChange(utc(2026, 2, 3), "socialtjanst", fact, "disclosed", ORIGIN), 1


def test_a_consent_that_ends_at_midnight_leaves_the_views_then_though_no_one_touches_the_case(app, runner):
    from domain.calendar import end_of_day
    from tests.service_behaviour import school_consented_until

    case_id = school_consented_until(app, date(2026, 2, 28))
    assert runner.keep_calendar() == 0 and stored_view(runner, case_id, "skola")
    app.clock.set(utc(2026, 3, 1, 7))                     # the morning after the last day; no one acts
    assert runner.keep_calendar() == 2                      # both consents' ends, recorded as facts
    assert stored_view(runner, case_id, "skola") == {}
    ended = [r for r in runner.store.disclosure_log(case_id, "skola") if r["change"] == "ended"]
    assert ended and all(r["at"] == end_of_day(date(2026, 2, 28)) for r in ended)
    assert any(f.kind == "calendar" for f in runner.store.facts("socialtjanst", case_id))
    assert runner.keep_calendar() == 0


@pytest.mark.parametrize("born, last_day", [
    ("20080229", None), ("20080329", None), ("20081025", None),   # 18 on 1 March, and on the two days the clocks change
    ("20030610", date(2026, 3, 28)), ("20030610", date(2026, 3, 29)),     # an adult's consent ending the day before
    ("20030610", date(2026, 10, 24)), ("20030610", date(2026, 10, 25)),   # and on the day the clocks change
])
def test_the_views_and_the_log_change_at_the_calendar_s_very_instant_across_summer_time(app, runner, born, last_day):
    """A microsecond before, at and after the 18th birthday (the young person's own consent alone counts from
    then) or a consent's end (the end of its last day), the keeper run each time: the stored view is what the rules
    say then, and the log dates the change at the moment itself."""
    from domain.calendar import end_of_day, start_of_day
    from domain.identity import luhn_check_digit

    digits = born + "238"
    # A LUL 6 § notification concerns someone under 18: the adult comes in as already known to social services.
    case_id, _ = open_case(app, personnummer=digits + str(luhn_check_digit(digits[2:11])),
                           **({"entry_route": "known"} if born.startswith("2003") else {}))
    app.decide_eligibility(case_id, by=SOCIAL, accepted=True, reasons="Risk.", instruments=(), decided_on=date(2026, 2, 2))
    app.record_guardians(case_id, by=SOCIAL, guardians=(Guardian("", "Maria"),))
    app.grant_consent(case_id, by=SOCIAL, consenter="young_person", scope=(ScopeEntry("skola", ("case", "school")),),
                      purpose="Samverkan", valid_from=date(2026, 2, 3), valid_until=last_day, form="written")
    app.add_member(case_id, by=SOCIAL, agency="skola", contact_person="Kim", role="kurator")
    moment = end_of_day(last_day) if last_day else start_of_day(app.get_case(case_id).eighteenth_birthday)
    runner.catch_up()
    tick = timedelta(microseconds=1)
    for at in (moment - tick, moment, moment + tick):
        app.clock.set(at)
        runner.keep_calendar()
        history = app.history(case_id)
        assert stored_view(runner, case_id, "skola") == {
            d.fact.fact_id: d.basis for d in disclosures_at(history, "skola", at, CATALOGUE)}, at
    assert bool(stored_view(runner, case_id, "skola")) == (last_day is None)   # shown from 18, ended at the end
    changed = {r["at"] for r in runner.store.disclosure_log(case_id, "skola") if r["at"] > utc(2026, 2, 4)}
    assert changed == {moment}


def test_an_erased_case_leaves_every_view_and_stays_out(app, runner):
    erased, kept = busy_case(app), busy_case(app)
    runner.catch_up()
    app.keystore.destroy(erased)
    runner.rebuild()                      # its events now read as tombstones
    assert all(runner.store.facts(a, erased) == [] for a in AGENCIES)
    assert erased not in {r["case_id"] for r in runner.store.cases("socialtjanst")}
    assert stored_view(runner, kept, "skola") == expected_view(app, kept, "skola")


def test_a_command_on_an_erased_case_is_refused_as_erased(app):
    from domain.errors import CaseErased

    case_id = busy_case(app)              # the application keeps this case in memory after saving it
    app.keystore.destroy(case_id)
    with pytest.raises(CaseErased):
        app.record_contribution(case_id, by=POLICE, category="school", text="Efter gallring.")


def test_a_large_plan_reaches_the_views_without_hanging(app, runner):
    """Pipeline mode was seen to deadlock once what it sends outgrows the socket's buffers: a batch that large
    goes by COPY."""
    import threading

    from domain.group_commands import PlanRowDraft

    case_id = consenting_school(app)
    runner.catch_up()
    long = "Ett långt stycke text om vad som ska göras och hur. " * 75
    app.revise_plan(case_id, by=SOCIAL, main_goal="Mål", rows=[
        PlanRowDraft(area="Skola", goal=long, how=long, responsible="Den unge", follow_up=long) for _ in range(80)])
    worker = threading.Thread(target=runner.catch_up, daemon=True)
    worker.start()
    worker.join(timeout=30)
    assert not worker.is_alive(), "catching up a large plan hung"
    assert stored_log(runner, case_id) == expected_log(app, case_id)


def test_a_rebuild_and_a_process_creating_its_tables_take_turns_without_a_deadlock(app, runner, postgres):
    """A review's finding: a process starting up creates its tables under the schema lock, locking the views' tables
    one way (view_facts, then the log); a rebuild keeping the replaced log locked them the other way — a deadlock,
    the starting process aborted.  The rebuild now takes the schema lock first."""
    import threading
    import time

    from gateways.schema_lock import schema_lock

    busy_case(app)
    runner.catch_up()
    locked, failures = threading.Event(), []

    def starting_process() -> None:
        try:
            with schema_lock(postgres.conninfo()) as cursor:
                cursor.execute("LOCK TABLE view_facts IN ACCESS EXCLUSIVE MODE")   # an ALTER TABLE … IF NOT EXISTS
                locked.set()
                time.sleep(0.5)   # the rebuild starts meanwhile
                cursor.execute("LOCK TABLE disclosure_log IN SHARE MODE")   # a CREATE INDEX IF NOT EXISTS
        except Exception as error:   # noqa: BLE001 - reported below
            failures.append(error)

    starter = threading.Thread(target=starting_process)
    starter.start()
    assert locked.wait(10)
    runner.rebuild()
    starter.join(10)
    assert failures == [] and not starter.is_alive()
    assert runner.replaced_rows > 0 and runner.store.disclosure_log()


def shown_by_older_rules(postgres, case_id, agency: str, fact) -> None:
    """A disclosure log row as older rules could have written it: ``fact`` shown to ``agency`` under a consent."""
    with psycopg.connect(postgres.conninfo()) as conn:
        conn.execute(
            "INSERT INTO disclosure_log (case_id, agency, fact_id, kind, category, change, basis, at, notification_id,"
            " cause, feed, seq) SELECT %s, %s, %s, %s, %s, 'disclosed', '{\"kind\": \"consent\", \"consent_ids\":"
            " [\"c-old\"], \"legal_basis\": null}', %s, max(notification_id), '[{\"what\": \"recorded\"}]',"
            " %s, max(seq) + 1 FROM disclosure_log WHERE feed = %s",
            (case_id, agency, fact.fact_id, fact.kind, fact.category, fact.recorded_at, f"{agency}.0180",
             f"{agency}.0180"))


def never_shown(runner, case_id, agency: str):
    """A fact of the police's view the agency's log has no row of: one today's rules never showed it."""
    logged = {r["fact_id"] for r in runner.store.disclosure_log(case_id, agency)}
    return next(f for f in runner.store.facts("polis", case_id) if f.fact_id not in logged)


def test_a_rebuild_ends_what_the_replaced_log_left_visible_that_todays_rules_do_not_show(app, runner, postgres):
    """A rebuild writes the log again from the first event: what older rules showed and today's do not had no end
    anywhere, so a consumer kept it.  The rebuild ends it, caused by the rules' change, in the agency's feed."""
    from domain.disclosure import RULES_CHANGED

    case_id = busy_case(app)
    runner.catch_up()
    hidden = never_shown(runner, case_id, "skola")
    shown_by_older_rules(postgres, case_id, "skola", hidden)
    published = []
    runner.written = published.append
    app.clock.advance(timedelta(days=1))

    runner.rebuild()

    ends = [r for r in runner.store.disclosure_log(case_id, "skola") if r["fact_id"] == hidden.fact_id]
    assert runner.rules_ended == 1 and len(ends) == 1
    [end] = ends
    assert (end["change"], end["kind"], end["category"], end["at"]) == ("ended", hidden.kind, hidden.category,
                                                                       app.clock.now())
    assert stored_change(end) == (Basis("consent", ("c-old",)), RULES_CHANGED)   # the basis that last held
    assert end["seq"] == max(r["seq"] for r in runner.store.disclosure_log(agency="skola") if r["feed"] == end["feed"])
    [message] = [m for m in runner.store.written_messages(published) if m.event_id == end["event_id"]]
    assert message.change == "ended" and message.content is None and message.feed == "skola.0180"
    assert runner.store.feed("skola.0180")[-1].event_id == end["event_id"]
    assert hidden.fact_id not in {f.fact_id for f in runner.store.facts("skola", case_id)}

    runner.rebuild()   # the end is written again, as it was, for a consumer that had not read it yet
    again = [r for r in runner.store.disclosure_log(case_id, "skola") if r["fact_id"] == hidden.fact_id]
    assert runner.rules_ended == 1 and [(r["event_id"], r["at"], r["change"]) for r in again] == [
        (end["event_id"], end["at"], "ended")]


def test_ends_a_rebuild_did_not_write_before_it_stopped_are_written_once_the_views_have_caught_up(app, runner,
                                                                                                 postgres):
    """The rebuild's first step and its ends are two transactions: a crash between them leaves the ends due, for
    the follower's next start — but never before the views are where the replaced log was."""
    case_id = busy_case(app)
    runner.catch_up()
    hidden = never_shown(runner, case_id, "skola")
    shown_by_older_rules(postgres, case_id, "skola", hidden)
    runner.store.clear(app.name)   # the rebuild began, and the process stopped
    assert runner.finish_build() == 0 and runner.build_due   # behind the replaced log: everything would look ended
    runner.catch_up()   # and, there, finishes the build
    assert runner.rules_ended == 1 and not runner.build_due and runner.finish_build() == 0
    assert [r["change"] for r in runner.store.disclosure_log(case_id, "skola")
            if r["fact_id"] == hidden.fact_id] == ["ended"]


def test_a_rebuild_made_again_before_the_first_ones_ends_were_written_still_writes_them(app, runner, postgres):
    """The first rebuild stopped before its ends, and an operator rebuilt again: the log the second replaces holds
    nothing of the fact (today's rules never showed it), yet the consumers still hold it from the log before."""
    case_id = busy_case(app)
    runner.catch_up()
    hidden = never_shown(runner, case_id, "skola")
    shown_by_older_rules(postgres, case_id, "skola", hidden)
    runner.store.clear(app.name)   # the rebuild caught up, and the process stopped before its ends
    runner.catch_up()
    runner.rebuild()
    assert runner.rules_ended == 1 and len(runner.store.replacements()) == 2
    [end] = [r for r in runner.store.disclosure_log(case_id, "skola") if r["fact_id"] == hidden.fact_id]
    assert end["change"] == "ended" and stored_change(end)[0] == Basis("consent", ("c-old",))


def test_a_fact_todays_log_ends_as_the_old_one_did_is_ended_again_if_the_old_log_showed_it_once_more(app, runner,
                                                                                                     postgres):
    """A red team's finding: the old log ended the fact at the withdrawal, then showed it again (older rules);
    today's log ends it at the withdrawal with the same event id — which a consumer deduplicating by id skips — and
    never shows it again.  So the rebuild ends it, under an id of its own."""
    case_id = busy_case(app)
    runner.catch_up()
    ended = [r for r in runner.store.disclosure_log(case_id, "skola") if r["change"] == "ended"]
    row = ended[0]
    with psycopg.connect(postgres.conninfo()) as conn:   # the old rules showed it again after the withdrawal
        conn.execute(
            "INSERT INTO disclosure_log (case_id, agency, fact_id, kind, category, change, basis, at, notification_id,"
            " cause, feed, seq) SELECT case_id, agency, fact_id, kind, category, 'disclosed', basis, at, notification_id,"
            " cause, feed, (SELECT max(seq) + 1 FROM disclosure_log WHERE feed = d.feed) FROM disclosure_log d"
            " WHERE id = %s", (row["id"],))
    runner.rebuild()
    rows = [r for r in runner.store.disclosure_log(case_id, "skola") if r["fact_id"] == row["fact_id"]]
    assert [r["change"] for r in rows][-1] == "ended" and stored_change(rows[-1])[1][0].what == "rules_changed"
    assert rows[-1]["event_id"] not in {r["event_id"] for r in rows[:-1]} and runner.rules_ended == 1
