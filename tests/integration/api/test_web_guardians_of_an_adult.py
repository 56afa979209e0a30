"""The guardians' tab of a young person of 18 or over: custody ended at 18, so neither the form's intro nor a closed
case's list says who "har vårdnaden" (now); under 18 both read as before."""

from __future__ import annotations

from tests.integration.api.flows import REFERRAL, ok, open_case, page_text
from tests.integration.api.skew import web_as

UNDER_18_INTRO = "Ange den unges föräldrar och andra vårdnadshavare, och vilka som har vårdnaden nu."
ADULT_INTRO = ("Ange den unges föräldrar och andra vårdnadshavare, och vilka som hade vårdnaden när den unge fyllde"
               " 18 år: vårdnaden upphörde då.")


def _adult_case(client, users) -> str:
    return ok(client.post("/api/v1/cases", headers=users.social, json={
        **REFERRAL, "personnummer": "20070110-2386", "entry_route": "known", "referring_agency": "socialtjanst",
        "summary": "Känd sedan tidigare.", "summary_category": "case"}), 201)["case_id"]


def _closed_with_guardians(client, users, tick, case_id: str) -> str:
    tick()
    ok(client.post(f"/api/v1/cases/{case_id}/guardians", headers=users.social,
                   json={"guardians": [{"name": "Maria", "has_custody": True}, {"name": "Johan",
                                                                                 "has_custody": False}]}))
    tick()
    ok(client.post(f"/api/v1/cases/{case_id}/closure", headers=users.social,
                   json={"reason": "moved", "outcome": "Flyttade."}))
    return case_id


def test_the_form_of_a_young_person_of_18_asks_who_had_custody_not_who_has_it_now(client, users, context, settings):
    social = web_as(context, settings, "soc-0180")
    adult = page_text(social.get(f"/arenden/{_adult_case(client, users)}/vardnadshavare").text)
    assert ADULT_INTRO in adult and "har vårdnaden nu" not in adult
    # Guard: under 18 the intro reads as before.
    young = page_text(social.get(f"/arenden/{open_case(client, users)}/vardnadshavare").text)
    assert UNDER_18_INTRO in young and ADULT_INTRO not in young


def test_a_closed_case_of_a_young_person_of_18_lists_who_had_custody(client, users, tick, context, settings):
    social = web_as(context, settings, "soc-0180")
    adult = _closed_with_guardians(client, users, tick, _adult_case(client, users))
    listed = page_text(social.get(f"/arenden/{adult}/vardnadshavare").text)
    assert "Maria (hade vårdnaden till den unges 18-årsdag)" in listed and "har vårdnaden" not in listed
    assert "Johan (hade vårdnaden" not in listed
    # Guard: a closed case of a young person under 18 says it as before.
    young = _closed_with_guardians(client, users, tick, open_case(client, users))
    listed = page_text(social.get(f"/arenden/{young}/vardnadshavare").text)
    assert "Maria (har vårdnaden)" in listed and "hade vårdnaden" not in listed
