"""The views take batches judged under the disclosure rules they are recorded as built under, and no others.

During a rolling upgrade a process of the version before still runs beside the new one's: rows it judged under the
old rules, written into views a newer version rebuilt, would be wrong views for the agencies — and, held to the
events under today's rules once those views are replaced, a permanent false finding in the replaced log.
"""

from __future__ import annotations

import threading
from dataclasses import replace

import psycopg
import pytest
from eventsourcing.persistence import Tracking
from psycopg.sql import SQL, Identifier

from domain.disclosure import RULES_VERSION
from gateways import view_batch_rows
from gateways.view_rows_json import OLDER_APPLY_VIEWS, OTHER_RULES, apply_views_arguments
from services.bootstrap.audit import build_ledger
from services.case_lists import CaseListsFromViews
from services.follower import Follower
from services.ports import ViewsUnderOtherRules
from services.view_runner import CASE_TOPICS
from tests.concurrency import eventually
from tests.integration.feed_history import another_process
from tests.integration.test_agency_views import busy_case
from tests.service_behaviour import consenting_school


def judged_from_the_first_event(app, runner):
    """A batch of every notification, judged and prepared by ``runner`` from position 0, and its last position."""
    position, page, _, _ = runner.store.position_and_next(app.name, app.recorder, 10_000)
    assert position == 0 and page
    update = runner.views.process([(n.id, app.mapper.to_domain_event(n)) for n in page if n.topic in CASE_TOPICS])
    return runner.store.prepare(update), page[-1].id


def nothing_written(runner, postgres) -> bool:
    with psycopg.connect(postgres.conninfo()) as conn:
        rows = sum(conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                   for t in ("view_facts", "view_cases", "disclosure_log"))
    return rows == 0 and runner.position == 0


@pytest.mark.parametrize("path", ["one call", "copy"])
def test_a_batch_judged_under_older_rules_than_the_views_record_is_refused_and_nothing_is_written(
        app, runner, settings, postgres, monkeypatch, path):
    """A process of the version before judged a batch; a newer version's process recorded its rules meanwhile (its
    rebuild): refused under the log's lock, in both ways a batch is written, and not a row of it kept."""
    if path == "copy":
        monkeypatch.setattr(view_batch_rows, "SMALL_BATCH_ROWS", -1)
    busy_case(app)
    prepared, last = judged_from_the_first_event(app, runner)
    assert prepared.log and prepared.facts and prepared.small == (path == "one call")
    with another_process(app, settings, postgres) as newer:
        newer.store.set_rules_version(RULES_VERSION + 1)
    with pytest.raises(ViewsUnderOtherRules) as refused:
        runner.store.write(prepared, Tracking(app.name, last), start=0)
    assert (refused.value.views, refused.value.process) == (RULES_VERSION + 1, RULES_VERSION)
    assert "upgrade this process" in str(refused.value)
    assert nothing_written(runner, postgres)


@pytest.mark.parametrize("form", ["ten arguments", "nine arguments"])
def test_the_forms_a_process_of_the_version_before_calls_refuse_its_batch_once_newer_rules_are_recorded(
        app, runner, postgres, form):
    """A process of the version before calls ``sigill_apply_views`` with the arguments it knows, which say nothing of
    its rules: the older forms are made to say them (7), so its small batches are refused by a newer version's views
    too — as an integrity violation, which it backs off from — and written as before into views of its own rules.
    Each is remade only where one is: a database set up since has neither."""
    busy_case(app)
    prepared, last = judged_from_the_first_event(app, runner)
    arguments = apply_views_arguments(app.name, 0, last, prepared.facts, prepared.gone, prepared.listed,
                                      prepared.unlisted, prepared.update.municipalities, prepared.log,
                                      prepared.generation, RULES_VERSION)
    arguments = arguments[:10] if form == "ten arguments" else arguments[:9]
    call = "SELECT sigill_apply_views(" + ", ".join(["%s"] * len(arguments)) + ")"
    generation = ", generation text" if form == "ten arguments" else ""
    with psycopg.connect(postgres.conninfo(), autocommit=True) as conn:
        # As a version before left it (a database set up since has neither form); then the DDL of today's.
        conn.execute("CREATE FUNCTION sigill_apply_views(app text, start bigint, tracked bigint, facts json,"
                     f" gone json, listed json, unlisted json, places json, log json{generation}) RETURNS json"
                     " LANGUAGE sql AS $$ SELECT NULL::json $$")
        conn.execute(SQL(OLDER_APPLY_VIEWS).format(s=Identifier("public")))
        runner.store.set_rules_version(RULES_VERSION + 1)
        with pytest.raises(psycopg.IntegrityError) as refused:
            conn.execute(call, arguments)
        assert refused.value.sqlstate == OTHER_RULES
        assert nothing_written(runner, postgres)
        runner.store.set_rules_version(7)
        conn.execute(call, arguments)
    assert runner.position == last and runner.store.disclosure_log()


def test_a_rebuild_records_todays_rules_as_it_empties_the_views_so_no_older_batch_lands_between(
        app, runner, settings, postgres, monkeypatch):
    """Until 2026-12-06 a rebuild emptied the views (keeping the rules recorded) and recorded today's after: a batch
    of a process of the version before, judged from the first event, passed every check in between and stayed in
    views recorded as today's.  Now the rebuild's own transaction records them, and the batch is refused."""
    busy_case(app)
    with another_process(app, settings, postgres) as older:
        prepared, last = judged_from_the_first_event(app, older)   # as the version before would judge it
        old_batch = replace(prepared, rules_version=RULES_VERSION - 1)
        runner.store.set_rules_version(RULES_VERSION - 1)   # views of the version before, about to be rebuilt
        real_clear, landed = runner.store.clear, []

        def older_batch_after(*args, **kwargs):
            kept = real_clear(*args, **kwargs)
            try:   # the older process's write, right after the views were emptied
                older.store.write(old_batch, Tracking(app.name, last), start=0)
                landed.append(True)
            except ViewsUnderOtherRules:
                landed.append(False)
            return kept

        monkeypatch.setattr(runner.store, "clear", older_batch_after)
        runner.rebuild()
    assert landed == [False]
    assert runner.store.rules_version() == RULES_VERSION
    assert runner.position == app.recorder.max_notification_id() and runner.store.disclosure_log()


def test_an_honest_catch_up_and_rebuild_write_as_before(app, runner):
    busy_case(app)
    runner.catch_up()
    log = [(r["agency"], r["fact_id"], r["change"]) for r in runner.store.disclosure_log()]
    assert log and runner.store.rules_version() == RULES_VERSION
    runner.rebuild()
    assert [(r["agency"], r["fact_id"], r["change"]) for r in runner.store.disclosure_log()] == log
    assert runner.store.rules_version() == RULES_VERSION


def test_a_runner_judges_nothing_for_views_of_another_version(app, runner, monkeypatch):
    """Asked for the position, it learns the views' rules with it: no batch is judged only to be refused."""
    busy_case(app)
    runner.store.set_rules_version(RULES_VERSION + 1)
    monkeypatch.setattr(runner.views, "process", lambda batch: pytest.fail("a batch was judged"))
    with pytest.raises(ViewsUnderOtherRules):
        runner.catch_up()
    assert runner.position == 0


def test_a_running_follower_stops_once_a_newer_version_records_its_rules_and_says_so_once(app, runner, settings,
                                                                                           postgres, caplog):
    """Its start's check is not enough: an upgrade's newer follower rebuilds the views while this one stands by, and
    when it holds the lock again (or as an API worker catches up) its batches are refused — it stops following, as
    at a start, not retrying for ever."""
    ledger = build_ledger(app, settings, postgres)
    consenting_school(app)
    stop = threading.Event()
    follower = Follower(runner, ledger, interval=0.05)
    thread = threading.Thread(target=follower.run, args=(stop,), daemon=True)
    thread.start()
    try:
        assert eventually(lambda: runner.position == app.recorder.max_notification_id())
        position = runner.position
        runner.store.set_rules_version(RULES_VERSION + 1)   # a newer version's rebuild
        consenting_school(app)                              # something to follow, were it followed
        thread.join(timeout=10)
        assert not thread.is_alive() and follower.outdated
        assert runner.position == position
        said = [r.getMessage() for r in caplog.records if "disclosure rules" in r.getMessage()]
        assert len(said) == 1 and "newer than this process's" in said[0]
    finally:
        stop.set()
        thread.join(timeout=10)


def test_a_running_follower_rebuilds_views_an_older_version_recorded_its_rules_for(app, runner, settings, postgres,
                                                                                  caplog):
    """The other way: a `sigill views rebuild` of the version before, run beside it, recorded its older rules: the
    follower's next batch is refused, and it rebuilds them under its own, as at a start."""
    ledger = build_ledger(app, settings, postgres)
    case_id = consenting_school(app)
    stop = threading.Event()
    thread = threading.Thread(target=Follower(runner, ledger, interval=0.05).run, args=(stop,), daemon=True)
    thread.start()
    try:
        assert eventually(lambda: runner.position == app.recorder.max_notification_id())
        runner.store.set_rules_version(RULES_VERSION - 1)
        consenting_school(app)
        assert eventually(lambda: "rebuilding them" in caplog.text)
        assert eventually(lambda: runner.store.rules_version() == RULES_VERSION
                          and runner.position == app.recorder.max_notification_id())
        assert runner.store.facts("skola", case_id) and thread.is_alive()
    finally:
        stop.set()
        thread.join(timeout=10)


def test_case_lists_answer_from_views_of_another_version_without_writing_and_say_so_once(app, runner, caplog):
    consenting_school(app)
    lists = CaseListsFromViews(runner)
    lists.cases("socialtjanst")
    position = runner.position
    runner.store.set_rules_version(RULES_VERSION + 1)
    consenting_school(app)
    first, again = lists.cases("socialtjanst"), lists.cases("socialtjanst")
    assert len(first) == len(again) == 1 and runner.position == position   # as they stand, nothing written
    said = [r.getMessage() for r in caplog.records if "disclosure rules" in r.getMessage()]
    assert len(said) == 1 and f"disclosure rules {RULES_VERSION + 1}, this process has {RULES_VERSION}" in said[0]


def test_a_rebuild_by_a_process_of_older_rules_leaves_views_a_newer_version_recorded_as_they_are(app, runner):
    """`sigill views rebuild` on a host not yet upgraded, beside newer ones: emptied and rebuilt under its older
    rules, the views would show and publish again what the newer rules stopped (the follower leaves such views
    alone for that reason).  Refused in the transaction that would empty them: nothing kept, emptied or renumbered."""
    busy_case(app)
    runner.catch_up()
    log = runner.store.disclosure_log()
    runner.store.set_rules_version(RULES_VERSION + 1)   # a newer version's rebuild
    with pytest.raises(ViewsUnderOtherRules) as refused:
        runner.rebuild()
    assert (refused.value.views, refused.value.process) == (RULES_VERSION + 1, RULES_VERSION)
    assert runner.store.rules_version() == RULES_VERSION + 1
    assert runner.store.disclosure_log() == log and runner.position == app.recorder.max_notification_id()
    assert runner.store.replacements() == []
