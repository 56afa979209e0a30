"""A case over HTTP: commands answer with the writer's version, reads follow the disclosure rules."""

from __future__ import annotations

from tests.integration.api.flows import REFERRAL, ok, open_case, school_consented_case


def test_a_referral_opens_a_case_with_the_municipalitys_next_number(client, users):
    response = client.post("/api/v1/cases", json=REFERRAL, headers=users.social)
    body = ok(response, 201)
    assert body["created"] == "0180-2026-0001" and body["version"] == 1
    assert response.headers["Location"] == f"/api/v1/cases/{body['case_id']}"


def test_a_referral_without_a_municipality_is_the_sign_ins_and_one_naming_another_is_refused(client, users):
    referral = {k: v for k, v in REFERRAL.items() if k != "municipality"}
    body = ok(client.post("/api/v1/cases", json=referral, headers=users.social), 201)
    assert body["created"] == "0180-2026-0001"
    other = client.post("/api/v1/cases", json={**referral, "municipality": "0181"}, headers=users.social)
    assert other.status_code == 403 and other.json()["error"]["field"] == "body.municipality"
    nowhere = client.post("/api/v1/cases", json=referral,
                          headers=users.headers("socialtjanst", "caseworker", municipality=None))
    assert nowhere.status_code == 403 and nowhere.json()["error"]["code"] == "no_municipality"
    assert client.get("/api/v1/cases", headers=users.social).json()["cases"][0]["case_number"] == "0180-2026-0001"


def test_the_school_sees_what_the_consents_cover_and_not_the_police_referral(client, users, tick):
    case_id, _ = school_consented_case(client, users, tick)
    tick()
    ok(client.post(f"/api/v1/cases/{case_id}/contributions", json={"category": "school", "text": "Närvaro 80 %."},
                   headers=users.school), 201)
    facts = ok(client.get(f"/api/v1/cases/{case_id}", headers=users.school))["facts"]
    kinds = {f["kind"] for f in facts}
    assert "contribution" in kinds and "referral" not in kinds  # the referral is crime: not consented
    assert all(f["category"] in ("case", "school") for f in facts)
    assert {f["basis"]["kind"] for f in facts} <= {"consent", "origin"}


def test_a_case_the_agency_is_not_in_is_not_found(client, users):
    case_id = open_case(client, users)
    response = client.get(f"/api/v1/cases/{case_id}", headers=users.school)
    assert response.status_code == 404 and response.json()["error"]["code"] == "case_not_found"
