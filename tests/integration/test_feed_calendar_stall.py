"""A feed waits at a calendar moment until the keeper records it (``held_back``): a moment the keeper can never
record must not stall an agency's feed — nor the keeper's round for every other case — for ever (red team,
2026-12-05)."""

from __future__ import annotations

from datetime import date

from tests.builders import POLICE, SCHOOL, utc
from tests.service_behaviour import school_consented_until

SKOLA = "skola.0180"


def test_an_erased_case_whose_moment_has_come_stalls_neither_the_keeper_nor_the_feeds(app, runner):
    """A case erased (its key destroyed) before its consent's end is recorded: the keeper cannot record it, and
    until then every feed that ever carried the case waited at it — the round raised at the erased case, so the
    follower never reached the erasure notices that take the case out of the lists, nor the cases after it."""
    erased = school_consented_until(app, date(2026, 2, 27))   # its end comes first
    kept = school_consented_until(app, date(2026, 2, 28))
    app.record_contribution(kept, by=SCHOOL, category="school", text="Närvaro 80 %.")
    runner.catch_up()
    app.keystore.destroy(erased)
    app.clock.set(utc(2026, 3, 1, 7))           # both consents have ended; the keeper's round comes
    runner.keep_calendar()                       # the erased case's moment can never be recorded
    runner.store.record_erasures()
    now = app.clock.now()
    assert kept not in runner.store.due_for_calendar("socialtjanst", now)   # the keeper went on past it
    school = runner.store.feed(SKOLA, 0, 10_000, now=now)
    assert {m.case_id for m in school} >= {erased, kept}   # neither case holds the feed back
    assert any(m.change == "erased" and m.case_id == erased for m in school)
    lead = runner.store.feed("socialtjanst.0180", 0, 10_000, now=now)
    assert {m.case_id for m in lead} >= {erased, kept}
    assert runner.keep_calendar() == 0           # and a later round does not fail on it


def test_a_case_that_refuses_its_moment_this_round_is_left_to_the_next(app, runner, monkeypatch):
    """A caseworker's write to the case at the very moment the keeper records it (ConcurrentChange) ended the round,
    and in the server the follower's thread with it: every case after it, and every later round, unrecorded."""
    from services.errors import ConcurrentChange

    busy = school_consented_until(app, date(2026, 2, 27))
    other = school_consented_until(app, date(2026, 2, 28))
    runner.catch_up()
    app.clock.set(utc(2026, 3, 1, 7))
    record = app.note_calendar

    def refusing(case_id):
        if case_id == busy:
            raise ConcurrentChange("the case changed while its moments were recorded")
        return record(case_id)

    monkeypatch.setattr(app, "note_calendar", refusing)
    assert runner.keep_calendar() >= 1                 # the other case's end is recorded, and nothing is raised
    now = app.clock.now()
    assert runner.store.due_for_calendar("socialtjanst", now) == [busy]
    monkeypatch.setattr(app, "note_calendar", record)
    runner.keep_calendar()                             # the next round records it
    assert runner.store.due_for_calendar("socialtjanst", now) == []
    assert other not in runner.store.due_for_calendar("socialtjanst", now)
