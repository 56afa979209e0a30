"""Red team 2026-12-05: secrecy properties of rules version 7, the duplicate check and OSL 10 kap. 18 a §, pinned."""

from __future__ import annotations

from uuid import uuid4

from tests.integration.api.flows import ok, school_consented_case
from tests.integration.api.test_feed_http import everything

CASES = "/api/v1/cases"


def _closed(client, users, tick) -> str:
    case_id, _ = school_consented_case(client, users, tick)
    tick()
    ok(client.post(f"{CASES}/{case_id}/contributions", headers=users.school,
                   json={"category": "school", "text": "Skolans egen notering"}), 201)
    tick()
    ok(client.post(f"{CASES}/{case_id}/closure", headers=users.social,
                   json={"reason": "other", "outcome": "Klart."}))
    tick()
    return case_id


def test_a_member_of_a_closed_case_finds_it_by_number_no_more_than_a_number_never_drawn(client, users, tick):
    case_id = _closed(client, users, tick)
    number = ok(client.get(f"{CASES}/{case_id}", headers=users.social))["facts"][0]["content"]["case_number"]
    closed = client.get(f"{CASES}/by-number/{number}", headers=users.school)
    never = client.get(f"{CASES}/by-number/{number[:-4]}9999", headers=users.school)
    assert (closed.status_code, closed.json()) == (404, never.json())


def test_a_member_s_list_of_a_closed_case_counts_it_nowhere(client, users, tick):
    _closed(client, users, tick)
    listed = ok(client.get(CASES, headers=users.school))
    assert (listed["cases"], listed["total"]) == ([], 0)


def test_a_member_of_a_closed_case_gets_no_extract_and_no_plan_as_for_no_case(client, users, tick):
    case_id = _closed(client, users, tick)
    for path in ("/extract", "/plan", "/meetings"):
        closed = client.get(f"{CASES}/{case_id}{path}", headers=users.school)
        unknown = client.get(f"{CASES}/{uuid4()}{path}", headers=users.school)
        assert closed.status_code in (403, 404) and (closed.status_code, closed.json()) == (
            unknown.status_code, unknown.json()), path


def test_the_auditor_s_log_names_the_closure_as_the_cause_of_what_the_school_lost(client, users, tick):
    case_id = _closed(client, users, tick)
    found = ok(client.get(f"/api/v1/audit/cases/{case_id}/disclosures", headers=users.auditor))
    changes = found["changes"]
    ended = [c for c in changes if c["agency"] == "skola" and c["change"] == "ended"]
    assert ended and all([x["what"] for x in c["cause"]] == ["case_closed"] for c in ended)
    assert all("avslutades" in c["cause_description"] for c in ended)
    assert found["stored_log"]["agrees"], found["stored_log"]


def test_osl_10_18a_reaches_the_police_only_from_social_services_and_only_under_21(client, users, tick):
    case_id, _ = school_consented_case(client, users, tick, members=("skola",), others={})
    tick()
    sent = client.post(f"{CASES}/{case_id}/contributions", headers=users.school, json={
        "category": "crime", "text": "Skolan cite", "legal_basis": "osl10_18a"})
    assert sent.status_code in (403, 404, 422), sent.text   # the school is no sender of the basis
    ok(client.post(f"{CASES}/{case_id}/contributions", headers=users.social, json={
        "category": "crime", "text": "Risk för fortsatt brottslighet", "legal_basis": "osl10_18a"}), 201)
    tick()
    items, _ = everything(client, users.police, "polis")
    mine = [i["body"] for i in items if i["body"].get("case_id") == case_id]
    assert [m["content"]["text"] for m in mine if m["change"] == "disclosed"] == ["Risk för fortsatt brottslighet"]
    assert all(m["basis"]["legal_basis"] == "osl10_18a" for m in mine)
    # Not a member: the case is not there for it beyond what the law carried.
    assert client.get(f"{CASES}/{case_id}", headers=users.police).status_code == 404
