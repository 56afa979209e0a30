"""The case's head on every page: number and phase for whoever reads it, and, to social services alone, that the
group's forms wait for an eligibility decision."""

from __future__ import annotations

from domain.visibility import CaseVisibility
from services.authorisation import Place
from services.web.views import head
from tests.builders import CATALOGUE, CaseStory

LEAD = CATALOGUE.lead_agency


def _seen_by_social_services(story: CaseStory) -> list:
    tracker = CaseVisibility(CATALOGUE, tuple(CATALOGUE.agencies))
    for event in story.events:
        tracker.apply(event)
    return list(tracker.visible[LEAD].values())


def test_social_services_reads_that_a_referred_case_waits_for_its_decision():
    seen = _seen_by_social_services(CaseStory())
    assert head(seen, Place.LEAD).waiting == "referred"
    assert head(seen, Place.LEAD).case_number == "0180-2026-0001"


def test_an_auditor_reading_the_same_facts_is_shown_no_forms_to_wait_for():
    seen = _seen_by_social_services(CaseStory())
    assert head(seen, Place.AUDITOR).waiting is None and head(seen, Place.AUDITOR).phase == head(seen, Place.LEAD).phase


def test_an_accepted_case_waits_for_nothing():
    assert head(_seen_by_social_services(CaseStory().accept()), Place.LEAD).waiting is None
