"""The auditors' disclosure lists leave an agency's own facts out (``audit_text.is_disclosure``): a property over random
case histories that exactly the rows the disclosure rules give the basis "egen uppgift" (ORIGIN) are left out — a
fact another agency recorded in its origin's name (a LUL 6 § referral social services registered for the police, a
meeting's outcome in a member's name), a plan row shown with names withheld, a law's or a consent's basis, each
stays a disclosure."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import given

from domain.disclosure import disclosure_log
from services.audit_text import is_disclosure
from tests.builders import CATALOGUE
from tests.unit.domain.test_disclosure_properties import AGENCIES, common, histories


@common
@given(histories())
def test_only_what_an_agency_holds_as_its_origin_is_left_out_of_its_disclosures(story):
    log = disclosure_log(story.events, AGENCIES, story.now + timedelta(days=500), CATALOGUE)
    for change in log:
        own = change.basis.kind == "origin"
        assert is_disclosure(change) is not own, (change.agency, change.fact.fact_id, change.basis)
        if own:   # an own fact is never attributed, and never ends or changes basis: its origin keeps it
            assert change.agency == change.fact.origin and not change.fact.attributed
            assert change.change == "disclosed"


@common
@given(histories())
def test_an_attributed_fact_reaching_its_origin_is_listed(story):
    """The referral social services registered in the police's name, outcomes in a member's name: never left out."""
    log = disclosure_log(story.events, AGENCIES, story.now + timedelta(days=500), CATALOGUE)
    for change in log:
        if change.fact.attributed:
            assert is_disclosure(change)

