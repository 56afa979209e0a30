"""The closure form offers "Inte aktuell för en insatsgrupp" where it can be used: on a case found not eligible; and
"Målen är nådda" only on a case that has had an action plan (a case that never had one had no goals to meet).

Each was offered on every case and refused only after typing ("Inte aktuell", with "… gäller ett ärende som bedömts
som inte aktuellt, och bara ett sådant: välj ett annat skäl."), or, "Målen är nådda", not refused at all.  The API
refuses both as unfitting reasons: 422, at `body.reason`."""

from __future__ import annotations

import re

from tests.integration.api.flows import ok, open_case, school_consented_case
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
    assert "other" in _reasons(web.get(f"/arenden/{undecided}/avslut").text)
    assert "not_eligible" in _reasons(web.get(f"/arenden/{declined}/avslut").text)


def test_a_stale_form_naming_it_says_when_it_can_be_chosen_and_keeps_the_choice(client, users, context, settings):
    case_id = open_case(client, users)
    web = web_as(context, settings, "soc-0180")
    page = web.get(f"/arenden/{case_id}/avslut").text
    form = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page))
    answer = web.post(f"/arenden/{case_id}/avslut", data={**form, "reason": "not_eligible", "outcome": "Bedömd.",
                                                          "confirm": "on"})
    assert answer.status_code == 422
    assert "kan bara väljas när den unge är bedömd som inte aktuell (fliken Beslut). Välj ett annat skäl." in answer.text
    assert "och bara ett sådant" not in answer.text
    assert '<option value="not_eligible" selected>' in answer.text


def _form(web, case_id: str) -> dict[str, str]:
    page = web.get(f"/arenden/{case_id}/avslut").text
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page))


def _plan(client, users, case_id: str) -> None:
    ok(client.post(f"/api/v1/cases/{case_id}/plan/revisions", headers=users.social, json={
        "main_goal": "Fullföljd skolgång", "rows": [
            {"area": "Skola", "goal": "Närvaro", "how": "Mentor", "responsible": "Skolan"}]}), 201)


def test_goals_met_is_offered_only_on_a_case_that_has_had_an_action_plan(client, users, tick, context, settings):
    unplanned, _ = school_consented_case(client, users, tick)
    planned, _ = school_consented_case(client, users, tick)
    tick()
    _plan(client, users, planned)
    web = web_as(context, settings, "soc-0180")
    assert "goals_met" not in _reasons(web.get(f"/arenden/{unplanned}/avslut").text)
    assert {"goals_met", "other"} <= set(_reasons(web.get(f"/arenden/{planned}/avslut").text))


def test_goals_met_without_a_plan_is_422_naming_the_reason_and_records_nothing(client, users, tick):
    case_id, _ = school_consented_case(client, users, tick)
    before = ok(client.get(f"/api/v1/cases/{case_id}", headers=users.social))["version"]
    tick()
    for reason, code in (("goals_met", "goals_met_without_plan"), ("not_eligible", "closure_reason_not_fitting")):
        refused = client.post(f"/api/v1/cases/{case_id}/closure", headers=users.social,
                              json={"reason": reason, "outcome": "Klart."})
        error = refused.json()["error"]
        assert refused.status_code == 422 and (error["code"], error["field"]) == (code, "body.reason"), refused.text
    assert "no action plan" in client.post(f"/api/v1/cases/{case_id}/closure", headers=users.social, json={
        "reason": "goals_met", "outcome": "Klart."}).json()["error"]["message"]
    assert ok(client.get(f"/api/v1/cases/{case_id}", headers=users.social))["version"] == before
    tick()
    _plan(client, users, case_id)
    tick()
    ok(client.post(f"/api/v1/cases/{case_id}/closure", headers=users.social,
                   json={"reason": "goals_met", "outcome": "Klarar skolan."}))


def test_a_form_naming_goals_met_without_a_plan_comes_back_in_swedish_with_the_choice_kept(client, users, tick,
                                                                                         context, settings):
    case_id, _ = school_consented_case(client, users, tick)
    web = web_as(context, settings, "soc-0180")
    answer = web.post(f"/arenden/{case_id}/avslut", data={**_form(web, case_id), "reason": "goals_met",
                                                          "outcome": "Klart.", "confirm": "on"})
    assert answer.status_code == 422
    assert "kan bara väljas när ärendet har haft en åtgärdsplan (fliken Åtgärdsplan)" in answer.text
    assert '<option value="goals_met" selected>' in answer.text and "Klart." in answer.text
    assert "no action plan" not in answer.text   # the domain's English is not shown
