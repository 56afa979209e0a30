"""The disclosure rules at the calendar's edges, over random histories (hypothesis): a microsecond before, at and
after every consent's first day and end and the 18th birthday — for young people born on 29 February and on the
days summer time begins and ends — with events recorded at those very instants (a withdrawal at the moment a
consent ends, a grant at the moment another starts).  The other property tests step by minutes, hours and days
from 09:00 UTC, so no event of theirs ever lands on a Swedish midnight, and they never probe one."""

from __future__ import annotations

from copy import deepcopy
from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain.calendar import local_date, start_of_day
from domain.disclosure import RECORDED, Replay, calendar_points, disclosure_log, disclosures_at
from domain.errors import DomainError
from domain.visibility import CaseVisibility
from tests.builders import CATALOGUE, CaseStory, utc
from tests.unit.domain.test_disclosure_properties import (AGENCIES, _apply, _assert_basis_holds, _log_replayed, _valid,
                                                         steps)

# 18 on 2026-03-01 (born 29 February), on 2026-03-29 and 2026-10-25 (the last Sundays of March and October,
# when summer time begins and ends), and 2027-03-14 (after every story).
PEOPLE = ("20080229-0000", "20080329-0000", "20081025-0000", "20090314-0000")
TICK = timedelta(microseconds=1)
boundaries = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def histories_at_the_edges(draw):
    story = CaseStory(personnummer=_valid(draw(st.sampled_from(PEOPLE))), start=utc(2026, 2, 20))
    story.accept()
    story.guardians("Maria", "Johan")
    story.join(*draw(st.sets(st.sampled_from(AGENCIES[1:]))))
    for step in draw(st.lists(steps, min_size=3, max_size=25)):
        at = story.now + step[-1]
        if draw(st.booleans()):   # onto a calendar moment of the case, or the next Swedish midnight, exactly
            edges = {m.at for m in story.case.calendar_moments()} | {start_of_day(local_date(at))}
            ahead = sorted(m for m in edges if m >= story.now)
            at = draw(st.sampled_from(ahead)) if ahead else at
        story.at(at)
        try:
            _apply(story, step)
        except DomainError:
            pass
    return story


def _edges(story) -> list:
    moments = sorted({m for e in story.events for m in calendar_points(e)})
    return [t for m in moments for t in (m - TICK, m, m + TICK)]


@boundaries
@given(histories_at_the_edges())
def test_the_log_replayed_gives_the_view_just_before_at_and_just_after_every_moment(story):
    log = disclosure_log(story.events, AGENCIES, story.now + timedelta(days=800), CATALOGUE)
    for at in _edges(story) + [e.timestamp for e in story.events]:
        for agency in AGENCIES:
            expected = {d.fact.fact_id: d.basis for d in disclosures_at(story.events, agency, at, CATALOGUE)}
            assert _log_replayed(log, agency, at) == expected, (agency, at)


@boundaries
@given(histories_at_the_edges())
def test_every_basis_holds_just_before_at_and_just_after_every_moment(story):
    for at in _edges(story):
        replay = Replay(story.events, CATALOGUE)
        replay.advance_to(at)
        for agency in AGENCIES:
            for d in replay.visible_to(agency, at):
                _assert_basis_holds(d, agency, replay.case, max(at, replay.case.last_recorded_at))


@boundaries
@given(histories_at_the_edges())
def test_a_calendar_cause_names_a_consent_not_withdrawn_when_the_change_was_made(story):
    """Events at one instant come in order: a consent that ended at midnight and was withdrawn by a later event
    of that same instant ended by its end (``test_every_change_names_a_cause_that_happened_then`` compares with
    the case's last state, where the withdrawal has come).  Held here to the case as it stood at each change."""
    engine = CaseVisibility(CATALOGUE, AGENCIES)
    for event in story.events:
        before = deepcopy(engine.replay.case)
        changes = engine.apply(event)
        for change in changes:
            case = before if change.at < event.timestamp else engine.replay.case
            for cause in change.cause:
                if cause.what not in ("consent_starts", "consent_ends"):
                    continue
                moments = {m.consent_id for m in case.calendar_moments() if m.at == change.at and m.what == cause.what}
                assert set(cause.consent_ids) <= moments, change
                for consent_id in cause.consent_ids:
                    record = case.consents[consent_id]
                    assert change.agency in {s.agency for s in (*record.granted_scope, *record.scope)}, change
            assert change.cause != RECORDED or change.fact.recorded_at == change.at, change


@boundaries
@given(histories_at_the_edges())
def test_the_keeper_and_the_engine_know_the_same_moments_ahead_after_every_event(story):
    engine = CaseVisibility(CATALOGUE, AGENCIES)
    for event in story.events:
        engine.apply(event)
        case = engine.replay.case
        assert set(engine.moments_ahead()) == {m.at for m in case.calendar_moments() if m.at > event.timestamp}
