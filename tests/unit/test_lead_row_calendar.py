"""The lead's case-list row carries the case's calendar (``next_calendar_moment``, ``calendar_by_agency``): the
keeper finds due cases by it, and every agency's feed and list withhold a case by it.  It must be written again
whenever the moments ahead change — also when a moment passes inside an event the lead itself sees nothing of."""

from __future__ import annotations

from datetime import date, datetime

from hypothesis import HealthCheck, given, settings

from domain.calendar import end_of_day
from domain.visibility import EVERY_AGENCY_KEY, CaseVisibility
from projections.agency_views import AgencyViews
from tests.builders import CATALOGUE, POLICE, CaseStory, school_consent_ending, utc
from tests.unit.domain.test_disclosure_properties import histories

LEAD = CATALOGUE.lead_agency
AGENCIES = tuple(CATALOGUE.agencies)


def _views(story: CaseStory) -> AgencyViews:
    events = story.events
    return AgencyViews(CATALOGUE, lambda case_id, version: [e for e in events if e.originator_version <= version])


def test_a_moment_passing_inside_an_event_the_lead_does_not_see_rewrites_the_lead_s_row():
    story = school_consent_ending(until=date(2026, 2, 10))
    views = _views(story)
    first = views.process(list(enumerate(story.events, 1)))
    school_ends = end_of_day(date(2026, 2, 10))
    assert first.summaries[(LEAD, story.case.id)].next_calendar_moment == school_ends
    done = len(story.events)

    # The keeper was down over the school's last day; the police's own note (crime, which no consent shows social
    # services) comes first.  The school's consent lapses inside it: the lead's view does not change, but its
    # row's calendar does — left as it was, the case stays "due" for ever (the keeper finds nothing to record
    # after the note), and the lead's and the school's feeds withhold the case until some later event.
    story.contribute(POLICE, "crime", when=utc(2026, 2, 11, 9))
    update = views.process([(done + 1, story.events[-1])])
    lead_row = update.summaries.get((LEAD, story.case.id))
    assert lead_row is not None, "the lead's row keeps a moment that has passed"
    assert lead_row.next_calendar_moment > utc(2026, 2, 11, 9)
    assert all(datetime.fromisoformat(at) > utc(2026, 2, 11, 9) for at in lead_row.calendar_by_agency.values())
    assert story.case.due_moments(utc(2026, 2, 11, 10)) == []   # the keeper indeed has nothing to record


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(histories())
def test_the_lead_s_row_as_last_written_holds_the_calendar_after_every_event(story):
    """Over random histories, each event a batch of its own: the lead's row as last written (not the engine's
    state) is what the keeper and every agency's withholding read.  It must say the moments ahead as they are
    — a passed moment left in it keeps the case due for ever — and no moment may change an agency's view before
    the moment that row names for the agency (or the agency is shown, until the keeper's round, what it ended)."""
    events = story.events
    views = AgencyViews(CATALOGUE, lambda case_id, version: events[:version])
    written = None
    for position, event in enumerate(events, 1):
        update = views.process([(position, event)])
        written = update.summaries.get((LEAD, event.originator_id), written)
        engine = CaseVisibility(CATALOGUE, AGENCIES)
        for earlier in events[:position]:
            engine.apply(earlier)
        assert written.next_calendar_moment == engine.next_moment(), position
        stored = {key: datetime.fromisoformat(at) for key, at in written.calendar_by_agency.items()}
        at = engine.next_moment()
        if at is None:
            continue
        before = {agency: dict(engine.visible[agency]) for agency in AGENCIES}
        engine.pass_time(at)
        for agency in AGENCIES:
            if {k: d.basis for k, d in engine.visible[agency].items()} != {k: d.basis for k, d in before[agency].items()}:
                own = min((stored[k] for k in (EVERY_AGENCY_KEY, agency) if k in stored), default=None)
                assert own is not None and own <= at, (position, agency, at, stored)
