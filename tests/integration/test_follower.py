"""`sigill follow`'s loop: a command's effect reaches the views and the ledger by itself, soon after."""

from __future__ import annotations

import threading
from contextlib import contextmanager
from typing import Iterator

from services.bootstrap import build_view_runner
from services.bootstrap.audit import build_ledger
from services.follower import Follower
from tests.builders import POLICE
from tests.concurrency import eventually
from tests.service_behaviour import consenting_school


def test_a_new_contribution_reaches_the_schools_view_and_the_ledger_without_anyone_asking(app, settings, postgres):
    runner, ledger = build_view_runner(app, settings, postgres), build_ledger(app, settings, postgres)
    with following(runner, ledger, interval=0.05) as follower:
        _school_sees_a_new_note(app, runner)
        assert eventually(lambda: ledger.verify().unsealed == 0)
    assert not follower.is_alive()


@contextmanager
def following(runner, ledger, **options) -> Iterator[threading.Thread]:
    """A follower's thread over ``runner`` and ``ledger`` while the block runs; stopped, and the views' pool closed
    (the suite's one server has a bounded number of sessions), after it."""
    stop = threading.Event()
    thread = threading.Thread(target=Follower(runner, ledger, **options).run, args=(stop,), daemon=True)
    thread.start()
    try:
        yield thread
    finally:
        stop.set()
        thread.join(timeout=10)
        runner.store.close()


def _school_sees_a_new_note(app, runner) -> None:
    case_id = consenting_school(app)
    app.record_contribution(case_id, by=POLICE, category="school", text="Skolk observerat.")
    assert eventually(lambda: any(f.content.get("text") == "Skolk observerat."
                                  for f in runner.store.facts("skola", case_id)))


def test_the_follower_rides_out_an_unreachable_database(app, settings, postgres, caplog):
    runner, ledger = build_view_runner(app, settings, postgres), build_ledger(app, settings, postgres)
    calls = {"n": 0}
    real = runner.catch_up

    def flaky():
        calls["n"] += 1
        if calls["n"] <= 2:
            raise OSError("connection refused")
        return real()

    runner.catch_up = flaky
    stop = threading.Event()
    thread = threading.Thread(target=Follower(runner, ledger, interval=0.01).run, args=(stop,), daemon=True)
    thread.start()
    assert eventually(lambda: calls["n"] > 3)
    stop.set()
    thread.join(timeout=10)
    runner.store.close()   # its pool: the suite's one server has a bounded number of sessions
    assert "cannot be reached" in caplog.text


def test_a_round_that_fails_unexpectedly_is_logged_and_the_follower_goes_on(app, settings, postgres, caplog):
    """Any error of one round — not only the database's, a key's or the master key's — ended the follower's thread,
    and with it the views, the ledger's seals, the calendar and the feeds, while the API answered on."""
    runner, ledger = build_view_runner(app, settings, postgres), build_ledger(app, settings, postgres)
    calls = {"n": 0}
    real = runner.catch_up

    def failing_once():
        calls["n"] += 1
        if calls["n"] == 1:
            raise KeyError("Peter Exempel")   # its text is not logged: it could quote data
        return real()

    runner.catch_up = failing_once
    with following(runner, ledger, interval=0.01) as thread:
        _school_sees_a_new_note(app, runner)
        assert thread.is_alive()
    assert "the follower's round failed (KeyError at " in caplog.text and "Peter" not in caplog.text


def test_a_consent_that_ends_leaves_the_views_when_it_ends_not_at_the_calendars_next_round(app, settings, postgres):
    """The keeper's round comes every minute; a moment the views know of is kept when it comes."""
    from datetime import date

    from tests.builders import utc
    from tests.service_behaviour import school_consented_until

    case_id = school_consented_until(app, date(2026, 2, 28))
    runner, ledger = build_view_runner(app, settings, postgres), build_ledger(app, settings, postgres)
    stop = threading.Event()
    follower = threading.Thread(target=Follower(runner, ledger, interval=0.05, calendar_every=3600).run,
                                args=(stop,), daemon=True)
    follower.start()
    try:
        assert eventually(lambda: runner.store.facts("skola", case_id))   # caught up; the hour's round is done
        app.clock.set(utc(2026, 3, 1, 0))                                  # just after the last day's midnight
        assert eventually(lambda: runner.store.facts("skola", case_id) == [], seconds=5)
        assert any(f.kind == "calendar" for f in runner.store.facts("socialtjanst", case_id))
    finally:
        stop.set()
        follower.join(timeout=10)
        runner.store.close()   # its pool: the suite's one server has a bounded number of sessions


def test_views_built_under_older_disclosure_rules_are_rebuilt_when_a_follower_starts(app, settings, postgres,
                                                                                     caplog):
    from domain.disclosure import RULES_VERSION

    runner, ledger = build_view_runner(app, settings, postgres), build_ledger(app, settings, postgres)
    case_id = consenting_school(app)
    runner.catch_up()
    assert runner.store.rules_version() == RULES_VERSION   # the first views ever: today's rules
    epoch = runner.store.feed_epoch()
    runner.store.set_rules_version(RULES_VERSION - 1)        # as after an upgrade that changed the rules
    stop = threading.Event()
    follower = threading.Thread(target=Follower(runner, ledger, interval=0.05).run, args=(stop,), daemon=True)
    follower.start()
    try:
        assert eventually(lambda: runner.store.rules_version() == RULES_VERSION)
        assert "rebuilding them" in caplog.text and runner.store.feed_epoch() != epoch
        assert eventually(lambda: runner.store.facts("skola", case_id))   # built again
    finally:
        stop.set()
        follower.join(timeout=10)
        runner.store.close()   # its pool: the suite's one server has a bounded number of sessions


def test_an_older_follower_leaves_views_a_newer_version_built_alone(app, settings, postgres, caplog):
    """As an upgrade rolls from host to host, an old follower restarting must not rebuild the views under its
    older rules: that would show again what the newer rules stopped."""
    from domain.disclosure import RULES_VERSION

    runner, ledger = build_view_runner(app, settings, postgres), build_ledger(app, settings, postgres)
    consenting_school(app)
    runner.catch_up()
    epoch, position = runner.store.feed_epoch(), runner.position
    runner.store.set_rules_version(RULES_VERSION + 1)        # written by a newer Sigill
    consenting_school(app)                                   # something to follow, were it followed
    stop = threading.Event()
    follower = threading.Thread(target=Follower(runner, ledger, interval=0.05).run, args=(stop,), daemon=True)
    try:
        follower.start()
        follower.join(timeout=10)
        assert not follower.is_alive()                       # it stopped by itself
        assert "newer than this process's" in caplog.text
        assert runner.store.rules_version() == RULES_VERSION + 1 and runner.store.feed_epoch() == epoch
        assert runner.position == position                   # not rebuilt, not followed
    finally:
        stop.set()
        follower.join(timeout=10)
        runner.store.close()


def test_a_rebuilds_ends_a_crash_left_due_are_written_by_the_next_follower_once_caught_up(app, settings, postgres):
    """A red team's finding: the follower asked once, at its start, while the views were still behind the replaced
    log — and never again, so the ends waited for the next start."""
    from tests.integration.test_agency_views import busy_case, never_shown, shown_by_older_rules

    runner, ledger = build_view_runner(app, settings, postgres), build_ledger(app, settings, postgres)
    case_id = busy_case(app)
    runner.catch_up()
    hidden = never_shown(runner, case_id, "skola")
    shown_by_older_rules(postgres, case_id, "skola", hidden)
    runner.store.clear(app.name)   # the rebuild replaced the log, and the process died
    stop = threading.Event()
    follower = threading.Thread(target=Follower(runner, ledger, interval=0.05).run, args=(stop,), daemon=True)
    follower.start()
    try:
        assert eventually(lambda: [r["change"] for r in runner.store.disclosure_log(case_id, "skola")
                                   if r["fact_id"] == hidden.fact_id] == ["ended"])
        assert not runner.build_due
    finally:
        stop.set()
        follower.join(timeout=10)
        runner.store.close()


def test_a_damaged_data_key_holds_the_views_at_its_case_logged_until_the_key_is_restored(app, settings, postgres,
                                                                                       caplog):
    """The views take the events in order and may skip none (a skipped withdrawal would leave a fact shown), so
    one case whose key does not unwrap holds them there.  The follower died of it, and the views stood still with
    nothing said: now it says which case and what to do, retries, and goes on once the key's row is restored."""
    import psycopg

    runner, ledger = build_view_runner(app, settings, postgres), build_ledger(app, settings, postgres)
    case_id = consenting_school(app)
    app.record_contribution(case_id, by=POLICE, category="school", text="Skolk observerat.")
    with psycopg.connect(postgres.conninfo(), autocommit=True) as conn:
        kept = conn.execute("SELECT wrapped_key FROM sigill_data_keys WHERE aggregate_id = %s", (case_id,)
                            ).fetchone()[0]
        conn.execute("UPDATE sigill_data_keys SET wrapped_key = set_byte(wrapped_key, 5, get_byte(wrapped_key, 5) # 1)"
                     " WHERE aggregate_id = %s", (case_id,))
    app.keystore._cache.forget_keys()   # as a process started after the damage
    stop = threading.Event()
    thread = threading.Thread(target=Follower(runner, ledger, interval=0.01).run, args=(stop,), daemon=True)
    thread.start()
    try:
        assert eventually(lambda: f"the data key of case {case_id} is damaged" in caplog.text)
        assert thread.is_alive()
        with psycopg.connect(postgres.conninfo()) as conn:   # nothing of the case in any view (its key is needed)
            assert conn.execute("SELECT count(*) FROM view_facts WHERE case_id = %s", (case_id,)).fetchone()[0] == 0
        with psycopg.connect(postgres.conninfo(), autocommit=True) as conn:   # restored from a backup
            conn.execute("UPDATE sigill_data_keys SET wrapped_key = %s WHERE aggregate_id = %s", (kept, case_id))
        assert eventually(lambda: any(f.content.get("text") == "Skolk observerat."
                                      for f in runner.store.facts("skola", case_id)), seconds=40)
    finally:
        stop.set()
        thread.join(timeout=10)
        runner.store.close()


def test_a_moment_that_comes_during_the_calendars_round_is_kept_for_the_next_poll(app, settings, postgres):
    """The round asks which moments are due at its start; one that comes while it runs is due at the next poll.
    Compared with a fresh clock at the round's end it was dropped as if it could not be recorded, and the consent
    stayed in the views until the minute's round (the test above failed about one run in six under load)."""
    from datetime import date

    from tests.builders import utc
    from tests.service_behaviour import school_consented_until

    case_id = school_consented_until(app, date(2026, 2, 28))
    runner = build_view_runner(app, settings, postgres)
    try:
        runner.catch_up()
        asked = runner.store.due_for_calendar

        def midnight_comes_after_the_question(lead, now):
            due = asked(lead, now)
            app.clock.set(utc(2026, 3, 1, 0))   # the consent's last day ends while the round runs
            return due

        runner.store.due_for_calendar = midnight_comes_after_the_question
        assert runner.keep_calendar() == 0 and runner.store.facts("skola", case_id)   # not due at its start
        assert runner.calendar_due()   # the next poll records it, not the minute's round
    finally:
        runner.store.close()
