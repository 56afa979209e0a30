"""The group, the plan and meetings need an accepted eligibility decision: a case not (or not yet) found eligible
offers no forms for them, and says why, where they were offered and refused only once typed."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e import ui

FORMS = {"grupp": "Lägg till", "plan": "Spara ny revision", "moten": "Spara mötet"}


def _decline(page, case_id: str) -> None:
    ui.tab(page, case_id, "beslut")
    page.get_by_label("Inte aktuell").check()
    page.get_by_label("Skäl", exact=True).fill("Inte i målgruppen.")
    page.get_by_role("button", name="Spara beslut").click()
    expect(page.locator(".meta")).to_contain_text("inte aktuell")


@pytest.mark.parametrize("declined, said", [(False, "inte bedömd som aktuell ännu"), (True, "bedömd som inte aktuell")])
def test_a_case_not_found_eligible_offers_no_group_plan_or_meeting_forms(server, signed_in_page, declined, said):
    page = signed_in_page(ui.SOCIAL)
    case_id = ui.open_referral(page, ui.sixteen_year_old())
    if declined:
        _decline(page, case_id)
    for slug, button in FORMS.items():
        ui.tab(page, case_id, slug)
        expect(page.locator("#waiting-note")).to_contain_text(said)
        expect(page.get_by_role("button", name=button, exact=True)).to_have_count(0)
    for slug in ("vardnadshavare", "samtycken"):      # guardians and consents come before the decision
        ui.tab(page, case_id, slug)
        expect(page.locator("#waiting-note")).to_have_count(0)
        if slug == "samtycken" and declined:   # consent is for a group's work: a declined case gets none, and says so
            expect(page.locator("#consents-declined")).to_contain_text("inga nya samtycken registreras")
            expect(page.locator("main form[method=post]:not(.purpose)")).to_have_count(0)
        else:
            expect(page.locator("main form[method=post]:not(.purpose)")).not_to_have_count(0)


def test_an_eligible_case_offers_them(server, signed_in_page):
    page = signed_in_page(ui.SOCIAL)
    case_id = ui.accepted_case(page)
    for slug, button in FORMS.items():
        ui.tab(page, case_id, slug)
        expect(page.locator("#waiting-note")).to_have_count(0)
        expect(page.get_by_role("button", name=button, exact=True)).to_have_count(1)
