"""Guardians recorded again as the case already has them are refused — by the API (422 guardians_unchanged at
`guardians`) and by the web form saved unchanged (shown again with a Swedish message, as typed) — and record
nothing: the record made a new identical fact, a new version and a feed message to every member seeing `family`."""

from __future__ import annotations

import re

import pytest

from tests.integration.api.flows import events_of, ok, open_case, page_text
from tests.integration.api.skew import web_as
from tests.integration.api.web_forms import hidden_fields

UNCHANGED = ("Vårdnadshavarna är redan registrerade så: inget ändrades. Ändra ett namn eller vem som har vårdnaden,"
             " eller lägg till en förälder eller vårdnadshavare, för att spara.")


@pytest.fixture
def case_id(client, users, tick) -> str:
    case_id = open_case(client, users)
    tick()
    ok(client.post(f"/api/v1/cases/{case_id}/eligibility", headers=users.social, json={
        "accepted": True, "reasons": "Hög risk.", "instruments": ["SAVRY"], "decided_on": "2026-02-02"}))
    tick()
    ok(client.post(f"/api/v1/cases/{case_id}/guardians", headers=users.social, json={
        "guardians": [{"name": "Maria Exempel"}, {"name": "Johan Exempel", "has_custody": False}]}))
    return case_id


def _recorded(client, users, case_id: str) -> list[dict]:
    facts = ok(client.get(f"/api/v1/cases/{case_id}", headers=users.social))["facts"]
    return next(f for f in facts if f["kind"] == "guardians")["content"]["guardians"]


def test_the_api_answers_422_guardians_unchanged_and_records_nothing(client, users, tick, postgres, case_id):
    same = [{"guardian_id": g["guardian_id"], "name": g["name"], "has_custody": g["has_custody"]}
            for g in _recorded(client, users, case_id)]
    before = events_of(postgres, case_id)
    for guardians in (same, same[::-1]):
        tick()
        answer = client.post(f"/api/v1/cases/{case_id}/guardians", headers=users.social,
                             json={"guardians": guardians})
        assert answer.status_code == 422, answer.text
        error = answer.json()["error"]
        assert (error["code"], error["field"]) == ("guardians_unchanged", "body.guardians"), error
        assert "already recorded" in error["message"]
    assert events_of(postgres, case_id) == before
    tick()
    custody = [same[0], {**same[1], "has_custody": True}]
    ok(client.post(f"/api/v1/cases/{case_id}/guardians", headers=users.social, json={"guardians": custody}))
    assert events_of(postgres, case_id) == before + 1


def test_the_form_saved_unchanged_is_shown_again_with_why_and_nothing_lost(context, settings, tick, postgres,
                                                                          case_id):
    web = web_as(context, settings, "soc-0180")
    page = web.get(f"/arenden/{case_id}/vardnadshavare").text
    data = {**hidden_fields(page), "guardians.0.name": "Maria Exempel", "guardians.0.has_custody": "on",
            "guardians.1.name": "Johan Exempel"}
    assert data["guardians.0.guardian_id"] and data["guardians.1.guardian_id"]
    before = events_of(postgres, case_id)
    tick()
    refused = web.post(f"/arenden/{case_id}/vardnadshavare", data=data, follow_redirects=False)
    assert refused.status_code == 422, refused.text[:500]
    assert UNCHANGED in page_text(refused.text)
    assert events_of(postgres, case_id) == before
    assert 'aria-invalid' not in refused.text.split('id="f-guardians-0-name"')[1].split(">")[0]
    assert re.search(r'name="guardians\.1\.name"[^>]*value="Johan Exempel"', refused.text)
    assert not re.search(r'name="guardians\.1\.has_custody" value="on" checked', refused.text)
