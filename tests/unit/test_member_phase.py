"""A member of the group is shown the case as found eligible: the group is formed only for such a case.

(A caseworker helper, 2026-12-05: the school in the group of an accepted case read "Fas: aktualiserad" in its case
list and its case head — the decision is an assessment, which no consent of the school's covered.)"""

from __future__ import annotations

from domain.visibility import CaseVisibility
from projections.agency_views import summarise
from services.authorisation import Place
from services.web.views import head
from tests.builders import CATALOGUE, CaseStory

LEAD = CATALOGUE.lead_agency


def _judged(story: CaseStory) -> CaseVisibility:
    tracker = CaseVisibility(CATALOGUE, tuple(CATALOGUE.agencies))
    for event in story.events:
        tracker.apply(event)
    return tracker


def test_a_member_that_sees_no_decision_reads_the_case_as_found_eligible_not_as_referred():
    story = CaseStory().accept()
    story.guardians("Maria")
    story.join("skola")
    story.consent_all({"skola": ("case", "school")})   # no `assessment`: the decision is not the school's to see
    tracker = _judged(story)
    kinds = {d.fact.kind for d in tracker.visible["skola"].values()}
    assert "eligibility" not in kinds and "case.opened" in kinds
    assert summarise(tracker, "skola", LEAD).phase == "accepted"
    assert head(list(tracker.visible["skola"].values()), Place.MEMBER).phase == head(
        list(tracker.visible[LEAD].values()), Place.LEAD).phase
    assert summarise(tracker, LEAD, LEAD).phase == "accepted"

