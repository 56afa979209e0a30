"""The closure form offers "Inte aktuell för en insatsgrupp" where it can be used: on a case found not eligible.

It was offered on every case and refused only after typing, with "… gäller ett ärende som bedömts som inte aktuellt,
och bara ett sådant: välj ett annat skäl."."""

from __future__ import annotations

import re

from tests.integration.api.flows import ok, open_case
from tests.integration.api.skew import web_as


def _reasons(html: str) -> list[str]:
    select = re.search(r'<select id="f-reason".*?</select>', html, re.S).group(0)
    return re.findall(r'<option value="([^"]+)"', select)


def test_not_eligible_is_offered_only_on_a_case_found_not_eligible(client, users, tick, context, settings):
    undecided = open_case(client, users)
    declined = open_case(client, users)
    tick()
    ok(client.post(f"/api/v1/cases/{declined}/eligibility", headers=users.social,
                   json={"accepted": False, "reasons": "Ingen risk för kriminell livsstil.", "instruments": [],
                         "decided_on": "2026-02-02"}))
    web = web_as(context, settings, "soc-0180")
    assert "not_eligible" not in _reasons(web.get(f"/arenden/{undecided}/avslut").text)
    assert "goals_met" in _reasons(web.get(f"/arenden/{undecided}/avslut").text)
    assert "not_eligible" in _reasons(web.get(f"/arenden/{declined}/avslut").text)


def test_a_stale_form_naming_it_says_when_it_can_be_chosen_and_keeps_the_choice(client, users, context, settings):
    case_id = open_case(client, users)
    web = web_as(context, settings, "soc-0180")
    page = web.get(f"/arenden/{case_id}/avslut").text
    form = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page))
    answer = web.post(f"/arenden/{case_id}/avslut", data={**form, "reason": "not_eligible", "outcome": "Bedömd."})
    assert answer.status_code == 422
    assert "kan bara väljas när den unge är bedömd som inte aktuell (fliken Beslut). Välj ett annat skäl." in answer.text
    assert "och bara ett sådant" not in answer.text
    assert '<option value="not_eligible" selected>' in answer.text
