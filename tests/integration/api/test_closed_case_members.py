"""The group's work ends with the case (rules version 7): from its closure a member keeps only what it recorded itself.

Before, a consent given "tills vidare" for the group's work went on counting after the case was closed: a year later
the school still read the young person's name and personnummer, the plan and the police's notes (a domain review,
2026-12-05)."""

from __future__ import annotations

from uuid import UUID, uuid4

from tests.integration.api.flows import ok, school_consented_case
from tests.integration.api.test_feed_http import everything


def _closed_case_the_school_worked_in(client, users, tick) -> str:
    case_id, _ = school_consented_case(client, users, tick, others={"polis": ["case", "school"]})
    tick()
    ok(client.post(f"/api/v1/cases/{case_id}/contributions", headers=users.school,
                   json={"category": "school", "text": "Skolans närvaronotering"}), 201)
    ok(client.post(f"/api/v1/cases/{case_id}/contributions", headers=users.police,
                   json={"category": "school", "text": "Polisens iakttagelse vid skolan"}), 201)
    seen = ok(client.get(f"/api/v1/cases/{case_id}", headers=users.school))
    assert "Polisens iakttagelse" in str(seen) and "Peter Exempel" in str(seen)   # while the group works
    tick()
    ok(client.post(f"/api/v1/cases/{case_id}/closure", headers=users.social,
                   json={"reason": "other", "outcome": "Arbetet är avslutat."}))
    tick()
    return case_id


def test_a_closed_case_is_no_longer_there_for_a_member_as_for_one_that_left(client, users, tick, context):
    """Its own contributions stay in its view and its feed (the views' own tables: what a feed sends it); the case
    is no longer one it reads, lists or finds — in the same words as a case that does not exist."""
    case_id = _closed_case_the_school_worked_in(client, users, tick)
    for path in ("", "/plan", "/meetings", "/contributions"):
        closed = client.get(f"/api/v1/cases/{case_id}{path}", headers=users.school)
        unknown = client.get(f"/api/v1/cases/{uuid4()}{path}", headers=users.school)
        assert (closed.status_code, closed.json()) == (404, unknown.json()), path
    listed = ok(client.get("/api/v1/cases", headers=users.school))["cases"]
    assert case_id not in {c["case_id"] for c in listed}
    kept = context.cases.lists.runner.store.facts("skola", UUID(case_id))
    assert [f.content.get("text") for f in kept] == ["Skolans närvaronotering"]   # its view: its own, nothing else
    lead = ok(client.get(f"/api/v1/cases/{case_id}", headers=users.social))   # the owner keeps what it saw
    assert "Peter Exempel" in str(lead) and "Arbetet är avslutat" in str(lead)


def test_a_members_feed_ends_what_it_was_shown_when_the_case_closes(client, users, tick):
    case_id = _closed_case_the_school_worked_in(client, users, tick)
    items, _ = everything(client, users.school, "skola")
    mine = [i["body"] for i in items if i["body"].get("case_id") == case_id]
    shown = {m["fact_id"] for m in mine if m["change"] == "disclosed"}
    ended = {m["fact_id"] for m in mine if m["change"] == "ended"}
    own = {m["fact_id"] for m in mine if m["change"] == "disclosed" and
           (m.get("content") or {}).get("text") == "Skolans närvaronotering"}
    assert own and shown - ended == own   # every fact shown is ended but its own


def test_a_member_records_nothing_more_in_a_closed_case_and_is_told_no_more_than_of_no_case(client, users, tick):
    case_id = _closed_case_the_school_worked_in(client, users, tick)
    note = {"category": "school", "text": "Ny notering"}
    closed = client.post(f"/api/v1/cases/{case_id}/contributions", json=note, headers=users.school)
    unknown = client.post(f"/api/v1/cases/{uuid4()}/contributions", json=note, headers=users.school)
    assert (closed.status_code, closed.json()) == (unknown.status_code, unknown.json()) == (404, unknown.json())
