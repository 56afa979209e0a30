"""Inputs an integrator or an attacker may send that once got a misleading answer: each is refused with a 422
naming the field, and nothing is read or recorded from a guess at what was meant."""

from __future__ import annotations

import pytest

from tests.integration.api.flows import REFERRAL, ok, open_case, school_consented_case


@pytest.mark.parametrize("query", ["since=20260203", "since=1700000000", "until=-1", "since=1e9"])
def test_a_moment_written_as_a_number_of_seconds_is_refused_not_read_as_1970(client, users, tick, query):
    """``since=20260203`` (3 February 2026, typed without dashes) was read as 20,260,203 seconds after 1970 and
    answered every read since then, as if it were the answer asked for."""
    school_consented_case(client, users, tick)
    ok(client.get(f"/api/v1/cases", headers=users.social))
    response = client.get(f"/api/v1/audit/access-log?{query}", headers=users.auditor)
    assert response.status_code == 422, response.text
    field = "query." + query.split("=")[0]
    assert response.json()["error"]["field"] == field
    assert "ISO 8601" in response.json()["error"]["message"]


def test_a_replay_as_of_a_number_of_seconds_is_refused(client, users, tick):
    case_id, _ = school_consented_case(client, users, tick)
    response = client.get(f"/api/v1/audit/cases/{case_id}/replay?agency=polis&as_of=1700000000",
                          headers=users.auditor)
    assert response.status_code == 422, response.text
    assert response.json()["error"]["field"] == "query.as_of"
    # An ISO moment still replays
    ok(client.get(f"/api/v1/audit/cases/{case_id}/replay?agency=polis&as_of=2026-02-03T12:00:00%2B01:00",
                  headers=users.auditor))


@pytest.mark.parametrize("path, query", [
    ("/audit/cases/{case_id}/replay", "agency=polis&agency=skola&as_of=2026-02-03T12:00:00Z"),
    ("/audit/cases/{case_id}/disclosures", "agency=polis&agency=skola"),
    ("/audit/access-log", "limit=1&limit=1000"),
    ("/feeds/skola", "limit=1&limit=2&municipality=0180"),
])
def test_a_query_parameter_given_twice_is_refused_not_the_last_one_taken(client, users, tick, path, query):
    """FastAPI takes the last: an auditor who asked to replay the police's view and the school's got the school's
    alone, under a 200."""
    case_id, _ = school_consented_case(client, users, tick)
    response = client.get(f"/api/v1{path.format(case_id=case_id)}?{query}", headers=users.auditor)
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["field"] == "query." + query.split("=")[0]
    assert error["message"].endswith("given more than once; send it once")


def test_a_repeated_parameter_name_that_is_not_ours_is_not_said_back(client, users):
    response = client.get("/api/v1/cases?19901010-1234=1&19901010-1234=2", headers=users.social)
    assert response.status_code == 422
    assert "1990" not in response.text and response.json()["error"]["field"] == "query"


@pytest.mark.parametrize("key", ["Peter Exempel", "20090314-2388"])
def test_an_unknown_field_is_refused_without_its_name_said_back_when_it_could_be_personal_data(client, users, key):
    """The field named the client's own key, "body.Peter Exempel", in an answer clients' and gateways' logs keep."""
    referral = {**REFERRAL, key: "x"}
    response = client.post("/api/v1/cases", json=referral, headers=users.social)
    assert response.status_code == 422
    assert key not in response.text
    assert response.json()["error"]["field"] == "body.(a field it does not take)"
    guardians = client.post(f"/api/v1/cases/{open_case(client, users)}/guardians",
                            json={"guardians": [{"name": "Maria", key: 1}]}, headers=users.social)
    assert guardians.status_code == 422 and key not in guardians.text


def test_a_misspelt_field_is_still_named(client, users):
    response = client.post("/api/v1/cases", json={**REFERRAL, "summery": "x"}, headers=users.social)
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "body.summery"


def test_a_feed_of_no_agency_does_not_say_back_a_personnummer_typed_in_its_place(client, users):
    response = client.get("/api/v1/feeds/20090314-2388", headers=users.school)
    assert response.status_code == 404
    assert "2009" not in response.text and response.json()["error"]["code"] == "feed_not_found"
    assert "'nope'" in client.get("/api/v1/feeds/nope", headers=users.school).json()["error"]["message"]
