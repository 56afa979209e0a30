"""The incremental engine's shortcuts (judging again only the agencies a rule event concerns, keeping
judges between events) give, after every event and calendar moment, exactly what the pure rules say."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given, settings

from domain.calendar import start_of_day
from domain.disclosure import disclosures_at
from domain.visibility import EVERY_AGENCY_KEY, CaseVisibility
from domain.group_commands import PlanRowDraft
from tests.builders import BUP, CATALOGUE, SCHOOL, SOCIAL, CaseStory, school_consent_ending, utc
from tests.unit.domain.test_disclosure_properties import _valid, histories

AGENCIES = tuple(CATALOGUE.agencies)  # every agency of the catalogue, members or not


def _seen(engine: CaseVisibility, agency: str) -> dict:
    return {fact_id: d.basis for fact_id, d in engine.visible[agency].items()}


def _rules(events, agency: str, at) -> dict:
    return {d.fact.fact_id: d.basis for d in disclosures_at(events, agency, at, CATALOGUE)}


@settings(max_examples=80, deadline=None)
@given(histories())
def test_after_every_event_and_moment_each_agency_sees_what_the_rules_say_then(story):
    engine = CaseVisibility(CATALOGUE, AGENCIES)
    for i, event in enumerate(story.events):
        engine.apply(event)
        for agency in AGENCIES:
            assert _seen(engine, agency) == _rules(story.events[:i + 1], agency, event.timestamp), (i, agency)
    for days in (1, 30, 200, 500, 5000):  # consents lapse and birthdays pass with no event
        at = story.events[-1].timestamp + timedelta(days=days)
        engine.pass_time(at)
        for agency in AGENCIES:
            assert _seen(engine, agency) == _rules(story.events, agency, at), (days, agency)


@settings(max_examples=80, deadline=None)
@given(histories())
def test_no_agency_s_view_changes_by_the_calendar_before_its_own_next_moment(story):
    """The feeds and case lists withhold a case from an agency only from a calendar moment that concerns it
    (``next_moments_by_agency``) until the keeper records it; so no moment the map leaves out for an agency may
    change what the agency sees — or the agency would be shown, for a minute, what a lapsed consent no longer
    allows."""
    engine = CaseVisibility(CATALOGUE, AGENCIES)
    for event in story.events:
        engine.apply(event)
    last = story.events[-1].timestamp
    ahead = engine.next_moments_by_agency()
    moments = sorted({m.at for m in engine.replay.case.calendar_moments() if m.at > last})
    for agency in AGENCIES:
        own = min((ahead[key] for key in (EVERY_AGENCY_KEY, agency) if key in ahead), default=None)
        seen_now = _rules(story.events, agency, last)
        for at in moments:
            if own is not None and at >= own:
                break
            assert _rules(story.events, agency, at) == seen_now, (agency, at, own)


def _own(ahead: dict, agency: str):
    return min((ahead[key] for key in (EVERY_AGENCY_KEY, agency) if key in ahead), default=None)


@settings(max_examples=80, deadline=None)
@given(histories())
def test_every_moment_that_changes_an_agency_s_view_is_its_next_in_the_map_after_every_event_and_moment(story):
    """The stronger form of the test above: not only before an agency's first moment after the last event, but
    after every event (moments that passed inside an event, a narrowing, a withdrawal, custody, a member leaving)
    and after each moment the keeper records — between an agency's first and second moment too.  A moment that
    changes what an agency sees must be the one the map (as the lead's row held it just before) names for it, or
    the feeds and lists would show the agency, until the keeper's round, what the moment ended."""
    for i in range(len(story.events)):
        engine = CaseVisibility(CATALOGUE, AGENCIES)
        for event in story.events[:i + 1]:
            engine.apply(event)
        for _ in range(8):   # the keeper records the moments ahead one instant at a time
            at = engine.next_moment()
            if at is None:
                break
            ahead = engine.next_moments_by_agency()
            before = {agency: _seen(engine, agency) for agency in AGENCIES}
            engine.pass_time(at)
            for agency in AGENCIES:
                if _seen(engine, agency) != before[agency]:
                    assert _own(ahead, agency) == at, (i, agency, at, ahead)


def test_the_18th_birthday_is_no_moment_of_a_member_whose_young_persons_consent_has_ended_by_then():
    """The birthday changes what an agency sees only through a consent of the young person's in force then (from 18
    it counts without the guardians'): one that ended before it — by its date, as a withdrawn one has — changes
    nothing, so the member it named must not be held back at midnight (its feed stopping short told it the birth
    date, as a red team found of a withdrawn consent).  A member whose consent of the young person's is in force
    then still waits for it."""
    story = school_consent_ending(until=date(2026, 2, 10))
    story.case.note_calendar(at=utc(2026, 2, 11, 9), catalogue=CATALOGUE)   # the keeper records the school's end
    engine = CaseVisibility(CATALOGUE, AGENCIES)
    for event in story.events:
        engine.apply(event)
    birthday = start_of_day(story.case.eighteenth_birthday)
    assert engine.next_moments_by_agency() == {"polis": birthday}


def test_an_agency_outside_the_group_is_judged_on_its_facts_alone_until_it_joins_and_again_once_it_leaves():
    """A guard of the engine's shortcut for an agency outside the group (``CaseVisibility._outside_still``): a rule
    event or a calendar moment judges its facts again only while it is a member or becomes or stops being one.  BUP,
    named by a consent before it joins, sees its categories from the join; the school loses them when it leaves
    and gains nothing from a grant made after; BUP loses them at the consent's end — each step, after every event
    and at the moments between, exactly what the pure rules say."""
    story = CaseStory(start=utc(2026, 2, 2))
    story.accept()
    story.guardians("Maria")
    story.consent_all({"skola": ("case", "school"), "bup": ("case", "health")}, valid_until=date(2026, 3, 1))
    story.join("skola")
    story.contribute(SCHOOL, "school")
    story.join("bup")
    story.contribute(BUP, "health")
    story.case.remove_member(agency="skola", reason="Klar", by=SOCIAL, at=story.at(), catalogue=CATALOGUE)
    story.consent_all({"skola": ("case", "school"), "bup": ("case", "school")})
    story.contribute(SOCIAL, "school")
    engine = CaseVisibility(CATALOGUE, AGENCIES)
    for i, event in enumerate(story.events):
        engine.apply(event)
        for agency in AGENCIES:
            assert _seen(engine, agency) == _rules(story.events[:i + 1], agency, event.timestamp), (i, agency)
    last = story.events[-1].timestamp
    assert any(d.basis.kind == "consent" for d in engine.visible["bup"].values())
    assert not any(d.basis.kind == "consent" for d in engine.visible["skola"].values())
    for at in (utc(2026, 3, 1, 12), utc(2026, 3, 2, 12), last + timedelta(days=800)):
        engine.pass_time(at)
        for agency in AGENCIES:
            assert _seen(engine, agency) == _rules(story.events, agency, at), (at, agency)


def test_a_plan_row_names_to_a_member_exactly_the_agencies_its_consents_let_it_see_as_they_change():
    """A guard of the judge's answers kept per named agency and category (``Judge._told``): BUP sees a health row
    naming the school without the school while no consent of its covers `case` (the school's membership), naming it
    once one does, and without it again after a withdrawal and after that consent's end — each time what the pure
    rules say."""
    story = CaseStory(start=utc(2026, 2, 2))
    story.accept()
    story.guardians("Maria")
    story.join("skola", "bup")
    story.consent_all({"bup": ("health",)})
    story.case.revise_plan(main_goal="Må bra", rows=[PlanRowDraft(
        area="Hälsa", goal="Sova", how="Samtal", responsible="Peter", responsible_agencies=("bup", "skola"))],
        by=SOCIAL, at=story.at(), catalogue=CATALOGUE)
    named = story.consent_all({"bup": ("case",)})
    story.withdraw(named[0])
    story.consent_all({"bup": ("case",)}, valid_until=date(2026, 3, 1))
    engine = CaseVisibility(CATALOGUE, AGENCIES)
    rows = []
    for i, event in enumerate(story.events):
        engine.apply(event)
        rows.append([f for f in engine.visible["bup"] if ".row." in f])
        for agency in AGENCIES:
            assert _seen(engine, agency) == _rules(story.events[:i + 1], agency, event.timestamp), (i, agency)
    assert [r for r in rows if r] and {r[0].endswith("~bup") for r in rows if r} == {True, False}
    for at in (utc(2026, 3, 2, 12), utc(2027, 3, 15)):
        engine.pass_time(at)
        assert _seen(engine, "bup") == _rules(story.events, "bup", at), at
    assert [f for f in engine.visible["bup"] if ".row." in f][0].endswith("~bup")


def test_a_law_carries_to_an_agency_outside_the_group_what_it_carried_on_the_fact_s_day_whatever_follows():
    """A guard of the shortcut for an agency outside the group (``CaseVisibility._outside_still``) where a law, not
    consent, reaches it: the police, outside the group, are told by OSL 10:18 a § what social services records while
    the young person (born 2006-03-01) is under 21, judged by the age on the fact's day — a consent naming the police,
    their joining and leaving, and the 21st birthday change none of that; the histories the property tests draw
    record no fact under a law to an agency other than social services."""
    story = CaseStory(personnummer=_valid("20060301-0000"), start=utc(2026, 2, 2), entry_route="known")
    story.accept()
    story.contribute(SOCIAL, "crime", legal_basis="osl10_18a")
    story.consent(scope={"polis": ("case", "crime")}, valid_until=date(2027, 6, 1))
    story.contribute(SOCIAL, "crime", legal_basis="osl10_18a", when=utc(2027, 2, 28, 20))   # the last day under 21
    story.contribute(SOCIAL, "crime", when=utc(2027, 3, 1, 8))
    story.join("polis")
    story.case.remove_member(agency="polis", reason="Klar", by=SOCIAL, at=story.at(), catalogue=CATALOGUE)
    story.contribute(SOCIAL, "case", when=utc(2027, 3, 2))
    engine = CaseVisibility(CATALOGUE, AGENCIES)
    for i, event in enumerate(story.events):
        engine.apply(event)
        for agency in AGENCIES:
            assert _seen(engine, agency) == _rules(story.events[:i + 1], agency, event.timestamp), (i, agency)
    assert [d.basis.kind for d in engine.visible["polis"].values()] == ["law", "law"]
    for at in (utc(2027, 6, 2, 12), utc(2030, 1, 1)):
        engine.pass_time(at)
        for agency in AGENCIES:
            assert _seen(engine, agency) == _rules(story.events, agency, at), (at, agency)
