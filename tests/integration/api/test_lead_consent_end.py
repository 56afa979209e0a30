"""Review 2026-12-07: social services sees each consent whole, and a consent basis's end was told from every agency
all the basis's consents cover — another agency's part of one of them (the school's `health`, to June) held social
services' own sight of `school` (the young person's two consents, to June and to December) to June."""

from __future__ import annotations

from tests.integration.api.flows import ok, open_case, page_text
from tests.integration.api.skew import web_as


def _case(client, users, tick) -> str:
    """The young person's C1: social services' `case` and `school` and the school's `health`, to 30 June; C2: social
    services' `case` and `school` and the school's `case` and `school`, to 31 December; the guardians' no end.  The
    school records a `school` note, which reaches social services under C1 and C2."""
    case_id = open_case(client, users)
    tick()
    ok(client.post(f"/api/v1/cases/{case_id}/eligibility", headers=users.social,
                   json={"accepted": True, "reasons": "Hög risk.", "decided_on": "2026-02-02"}))
    tick()
    ok(client.post(f"/api/v1/cases/{case_id}/guardians", headers=users.social,
                   json={"guardians": [{"name": "Maria"}, {"name": "Johan"}]}))
    timeline = ok(client.get(f"/api/v1/cases/{case_id}", headers=users.social))
    maria, johan = [g["guardian_id"] for g in next(f for f in timeline["facts"] if f["kind"] == "guardians")
                    ["content"]["guardians"]]
    lead = {"agency": "socialtjanst", "categories": ["case", "school"]}
    every = [lead, {"agency": "skola", "categories": ["case", "school", "health"]}]
    for consenter, until, scope in (
            ("young_person", "2026-06-30", [lead, {"agency": "skola", "categories": ["health"]}]),
            ("young_person", "2026-12-31", [lead, {"agency": "skola", "categories": ["case", "school"]}]),
            (maria, None, every), (johan, None, every)):
        tick()
        ok(client.post(f"/api/v1/cases/{case_id}/consents", headers=users.social, json={
            "consenter": consenter, "scope": scope, "purpose": "Samverkan", "valid_from": "2026-02-02",
            "valid_until": until, "form": "written"}), 201)
    tick()
    ok(client.post(f"/api/v1/cases/{case_id}/members", headers=users.social,
                   json={"agency": "skola", "contact_person": "Kontakt", "role": "kontaktperson"}), 201)
    tick()
    ok(client.post(f"/api/v1/cases/{case_id}/contributions", headers=users.school,
                   json={"category": "school", "text": "Närvaro 85 %."}), 201)
    return case_id


def test_social_services_reads_its_own_sight_s_end_on_the_page_and_in_the_api(client, users, tick, context, settings):
    case_id = _case(client, users, tick)
    api = ok(client.get(f"/api/v1/cases/{case_id}", headers=users.social))["facts"]
    note = next(f for f in api if f["kind"] == "contribution")
    assert note["basis"]["description"].endswith("t.o.m. 2026-12-31"), note["basis"]
    page = page_text(web_as(context, settings, "soc-0180").get(f"/arenden/{case_id}").text)
    line = page[page.index("Närvaro 85 %."):][:400]
    assert "t.o.m. 2026-12-31" in line and "2026-06-30" not in line, line
