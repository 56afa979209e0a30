"""A case found not eligible gets no consent: consent in Sigill is for the group's work, and a declined case has no
group and never will (a new referral is the way back).  A consent given before the decline stays as it was, and can
always be narrowed or withdrawn: a consenter may always take a consent back.  Over the API and in the web client."""

from __future__ import annotations

import re

from tests.integration.api.flows import ok, open_case
from tests.integration.api.skew import web_as

CASES = "/api/v1/cases"
CONSENT = {"consenter": "young_person", "scope": [{"agency": "skola", "categories": ["case", "school"]}],
           "purpose": "Samverkan", "valid_from": "2026-02-02", "form": "written"}


def _declined_with_an_earlier_consent(client, users, tick) -> tuple[str, str]:
    case_id = open_case(client, users)
    tick()   # the young person is motivated to consent while social services assesses
    consent = ok(client.post(f"{CASES}/{case_id}/consents", headers=users.social, json=CONSENT), 201)["created"]
    tick()
    ok(client.post(f"{CASES}/{case_id}/eligibility", headers=users.social, json={
        "accepted": False, "reasons": "Ingen risk för kriminell livsstil.", "instruments": [],
        "decided_on": "2026-02-02"}))
    tick()
    return case_id, consent


def test_a_consent_on_a_declined_case_is_422_case_declined_and_records_nothing(client, users, tick):
    case_id, _ = _declined_with_an_earlier_consent(client, users, tick)
    before = ok(client.get(f"{CASES}/{case_id}", headers=users.social))["version"]
    refused = client.post(f"{CASES}/{case_id}/consents", headers=users.social, json=CONSENT)
    error = refused.json()["error"]
    assert refused.status_code == 422 and error["code"] == "case_declined" and error["field"] is None, refused.text
    assert "not eligible" in error["message"] and "withdrawn" in error["message"]
    assert ok(client.get(f"{CASES}/{case_id}", headers=users.social))["version"] == before


def test_a_consent_given_before_the_decline_is_still_narrowed_and_withdrawn(client, users, tick):
    case_id, consent = _declined_with_an_earlier_consent(client, users, tick)
    ok(client.post(f"{CASES}/{case_id}/consents/{consent}/narrowings", headers=users.social, json={
        "consenter": "young_person", "scope": [{"agency": "skola", "categories": ["case"]}]}))
    tick()
    ok(client.post(f"{CASES}/{case_id}/consents/{consent}/withdrawal", headers=users.social,
                   json={"consenter": "young_person"}))
    refused = client.post(f"{CASES}/{case_id}/members", headers=users.social,   # nobody to disclose to, ever
                          json={"agency": "skola", "contact_person": "Kim", "role": "kurator"})
    assert refused.status_code == 422 and refused.json()["error"]["code"] == "eligibility_not_accepted"


def test_the_web_offers_no_consent_form_on_a_declined_case_and_says_why(client, users, tick, context, settings):
    case_id, consent = _declined_with_an_earlier_consent(client, users, tick)
    web = web_as(context, settings, "soc-0180")
    page = web.get(f"/arenden/{case_id}/samtycken").text
    assert 'id="consents-declined"' in page and "inga nya samtycken registreras" in page
    assert f'action="/arenden/{case_id}/samtycken"' not in page   # no grant form
    assert "?samma_som=" not in page   # nor a link to one filled from a consent given before
    assert f"/samtycken/{consent}/aterkallelse" in page and f"/samtycken/{consent}/begransning" in page
    assert "när den är med i gruppen" not in page   # no agency joins a declined case
    hidden = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page))
    answer = web.post(f"/arenden/{case_id}/samtycken", data={
        "csrf": hidden["csrf"], "form_key": hidden["form_key"], "expected_version": hidden["expected_version"],
        "consenter": "young_person", "scope": "skola:case", "purpose": "Samverkan", "valid_from": "2026-02-02",
        "form": "written"})
    assert answer.status_code == 422
    assert "bedömd som inte aktuell för en insatsgrupp, så inget nytt samtycke registreras" in answer.text
    withdrawn = web.post(f"/arenden/{case_id}/samtycken/{consent}/aterkallelse", follow_redirects=False, data={
        "csrf": hidden["csrf"], "form_key": hidden["form_key"] + "x", "expected_version": hidden["expected_version"],
        "consenter": "young_person", "confirm": "on"})
    assert withdrawn.status_code == 303, withdrawn.text
