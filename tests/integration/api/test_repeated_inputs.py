"""A list that names one thing twice where a repeat is always a mistake: 422 naming the repeat, nothing recorded;
the web form says so in Swedish next to the field.  (The rule is the domain's: the API, the web and the CLI alike.)"""

from __future__ import annotations

import re

from tests.integration.api.flows import events_of, ok, school_consented_case
from tests.integration.api.skew import web_as

CONSENT = {"consenter": "young_person", "purpose": "Samverkan", "valid_from": "2026-02-02", "form": "written"}


def refused(response, field: str) -> dict:
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["field"] == field, error
    return error


def test_a_consent_naming_an_agency_twice_is_422_at_the_second_entry_saying_to_merge(client, users, tick, postgres):
    case_id, _ = school_consented_case(client, users, tick)
    before = events_of(postgres, case_id)
    tick()
    error = refused(client.post(f"/api/v1/cases/{case_id}/consents", headers=users.social, json={**CONSENT, "scope": [
        {"agency": "skola", "categories": ["school"]}, {"agency": "skola", "categories": ["health"]}]}),
        "body.scope.1.agency")
    assert error["code"] == "invalid_input" and "merge its categories into one entry" in error["message"]
    refused(client.post(f"/api/v1/cases/{case_id}/consents", headers=users.social, json={**CONSENT, "scope": [
        {"agency": "skola", "categories": ["school", "school"]}]}), "body.scope.0.categories.1")
    assert events_of(postgres, case_id) == before


def test_a_narrowing_naming_an_agency_or_category_twice_is_422(client, users, tick, postgres):
    case_id, consents = school_consented_case(client, users, tick)
    before = events_of(postgres, case_id)
    narrowings = f"/api/v1/cases/{case_id}/consents/{consents[0]}/narrowings"
    tick()
    refused(client.post(narrowings, headers=users.social, json={"consenter": "young_person", "scope": [
        {"agency": "skola", "categories": ["case"]}, {"agency": "skola", "categories": ["school"]}]}),
        "body.scope.1.agency")
    refused(client.post(narrowings, headers=users.social, json={"consenter": "young_person", "scope": [
        {"agency": "skola", "categories": ["case", "case"]}]}), "body.scope.0.categories.1")
    # and a narrowing that would add a recipient is no narrowing
    error = refused(client.post(narrowings, headers=users.social, json={"consenter": "young_person", "scope": [
        {"agency": "skola", "categories": ["case"]}, {"agency": "bup", "categories": ["case"]}]}), "body.scope")
    assert error["code"] == "narrowing_must_shrink"
    assert events_of(postgres, case_id) == before
    ok(client.post(narrowings, headers=users.social, json={"consenter": "young_person", "scope": [
        {"agency": "skola", "categories": ["case"]}]}))


def test_the_web_consent_form_says_in_swedish_that_a_category_is_ticked_twice(client, users, tick, context,
                                                                              settings, postgres):
    """The form's checkboxes send each pair once; a form sent twice over (a script, a proxy) is refused, not
    merged, and the caseworker reads why beside the scope."""
    case_id, _ = school_consented_case(client, users, tick)
    before = events_of(postgres, case_id)
    web = web_as(context, settings, "soc-0180")
    page = f"/arenden/{case_id}/samtycken"
    csrf = re.search(r'name="csrf" value="([^"]+)"', web.get(page).text).group(1)
    tick()
    answer = web.post(page, data={"csrf": csrf, "consenter": "young_person", "purpose": "Samverkan",
                                  "valid_from": "2026-02-02", "form": "written",
                                  "scope": ["skola:school", "skola:school"]}, follow_redirects=False)
    assert answer.status_code == 422, answer.text[:300]
    assert "Kategorin finns med två gånger för samma aktör" in answer.text
    assert events_of(postgres, case_id) == before


def test_a_meeting_or_a_plan_naming_an_agency_twice_is_422_at_the_repeat(client, users, tick, postgres):
    case_id, _ = school_consented_case(client, users, tick)
    before = events_of(postgres, case_id)
    tick()
    refused(client.post(f"/api/v1/cases/{case_id}/meetings", headers=users.social, json={
        "held_on": "2026-02-02", "attendees": ["skola", "polis", "skola"]}), "body.attendees.2")
    refused(client.post(f"/api/v1/cases/{case_id}/plan/revisions", headers=users.social, json={
        "main_goal": "Mål", "rows": [{"area": "Skola", "goal": "I tid", "how": "Så", "responsible": "Mentor",
                                      "responsible_agencies": ["skola", "skola"]}]}),
        "body.rows.0.responsible_agencies.1")
    assert events_of(postgres, case_id) == before
