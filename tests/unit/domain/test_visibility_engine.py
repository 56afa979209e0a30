"""The incremental engine's shortcuts (judging again only the agencies a rule event concerns, keeping
judges between events) give, after every event and calendar moment, exactly what the pure rules say."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import given, settings

from domain.disclosure import disclosures_at
from domain.visibility import CaseVisibility
from tests.builders import CATALOGUE
from tests.unit.domain.test_disclosure_properties import histories

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
