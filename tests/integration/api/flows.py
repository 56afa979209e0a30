"""A case driven over HTTP, as a caseworker would: referral, eligibility, guardians, consents, group, plan."""

from __future__ import annotations

import re

import psycopg

from tests.builders import BORN_2009_03_14

# Confirmed: the tests open many cases for one young person, each a second open case of the municipality (the
# check that asks first: tests/integration/api/test_duplicate_referrals.py, which sends FIRST_REFERRAL).
FIRST_REFERRAL = {"municipality": "0180", "personnummer": BORN_2009_03_14, "name": "Peter Exempel",
                  "entry_route": "lul6", "referring_agency": "polis", "referral_date": "2026-02-01",
                  "summary": "Misstänkt för rån.", "summary_category": "crime"}
REFERRAL = {**FIRST_REFERRAL, "duplicate_confirmed": True}


def ok(response, status: int = 200) -> dict:
    assert response.status_code == status, response.text
    return response.json()


def events_of(postgres, case_id: str | None = None) -> int:
    """How many events are stored (of the case, if given), counted in the database itself."""
    with psycopg.connect(postgres.conninfo()) as conn:
        if case_id is None:
            return conn.execute("SELECT count(*) FROM sigill_events").fetchone()[0]
        return conn.execute("SELECT count(*) FROM sigill_events WHERE originator_id = %s", (case_id,)).fetchone()[0]


def open_case(client, users) -> str:
    return ok(client.post("/api/v1/cases", json=REFERRAL, headers=users.social), 201)["case_id"]


def accepted_with_guardians(client, users, tick) -> tuple[str, list[str]]:
    """A case found eligible (SAVRY) with two guardians, Maria and Johan: its id and their ids, in that order."""
    case_id = open_case(client, users)
    tick()
    ok(client.post(f"/api/v1/cases/{case_id}/eligibility", headers=users.social, json={
        "accepted": True, "reasons": "Hög risk.", "instruments": ["SAVRY"], "decided_on": "2026-02-02"}))
    tick()
    ok(client.post(f"/api/v1/cases/{case_id}/guardians", headers=users.social,
                   json={"guardians": [{"name": "Maria"}, {"name": "Johan"}]}))
    timeline = ok(client.get(f"/api/v1/cases/{case_id}", headers=users.social))
    guardians = next(f for f in timeline["facts"] if f["kind"] == "guardians")["content"]["guardians"]
    return case_id, [g[0] if isinstance(g, list) else g["guardian_id"] for g in guardians]


def school_consented_case(client, users, tick, *, categories=("case", "school"), members=("skola", "polis"),
                          others: dict[str, list[str]] | None = None) -> tuple[str, list[str]]:
    """Accepted; two guardians; the young person and both guardians let the school see ``categories`` and the
    police that the case exists (``others``: other agencies' parts instead of the police's), in the same
    consents; ``members`` (the school and the police) in the group.  Returns the case id and the consent ids.
    (Without `case`, a member is an outsider to the case: the police could not record in it.)"""
    others = {"polis": ["case"]} if others is None else others
    case_id, guardians = accepted_with_guardians(client, users, tick)
    post = lambda path, body, status=200: ok(client.post(f"/api/v1/cases/{case_id}{path}", json=body,  # noqa: E731
                                                         headers=users.social), status)
    consents = []
    for consenter in ["young_person", *guardians]:
        tick()
        consents.append(post("/consents", {
            "consenter": consenter, "scope": [{"agency": "skola", "categories": list(categories)}, *(
                {"agency": a, "categories": c} for a, c in (others or {}).items())],
            "purpose": "Samverkan", "valid_from": "2026-02-02", "form": "written"}, 201)["created"])
    for agency in members:
        tick()
        post("/members", {"agency": agency, "contact_person": "Kontakt", "role": "kontaktperson"}, 201)
    return case_id, consents


def school_consent_ending(client, users, tick, valid_until: str = "2026-02-10") -> str:
    """Accepted; one guardian; the young person and the guardian let the school see `case` and `school` until
    ``valid_until``; the school in the group.  Returns the case id: a case whose school consent ends by date, for
    what must hold before the calendar keeper has recorded the end."""
    case_id = ok(client.post("/api/v1/cases", json=REFERRAL, headers=users.social), 201)["case_id"]
    post = lambda path, body, status=200: ok(client.post(f"/api/v1/cases/{case_id}{path}", json=body,  # noqa: E731
                                                         headers=users.social), status)
    tick()
    post("/eligibility", {"accepted": True, "reasons": "Hög risk.", "decided_on": "2026-02-02"})
    tick()
    post("/guardians", {"guardians": [{"name": "Maria"}]})
    guardian = next(f for f in ok(client.get(f"/api/v1/cases/{case_id}", headers=users.social))["facts"]
                    if f["kind"] == "guardians")["content"]["guardians"][0]
    for consenter in ("young_person", guardian[0] if isinstance(guardian, list) else guardian["guardian_id"]):
        tick()
        post("/consents", {"consenter": consenter, "scope": [{"agency": "skola", "categories": ["case", "school"]}],
                           "purpose": "Samverkan", "valid_from": "2026-02-02", "valid_until": valid_until,
                           "form": "written"}, 201)
    tick()
    post("/members", {"agency": "skola", "contact_person": "Kim", "role": "kurator"}, 201)
    return case_id


def planned_case(client, users, tick, plan: dict) -> str:
    """``school_consented_case`` with ``plan`` (a revision's body) recorded by social services: the case id."""
    case_id, _ = school_consented_case(client, users, tick)
    tick()
    ok(client.post(f"/api/v1/cases/{case_id}/plan/revisions", json=plan, headers=users.social), 201)
    return case_id


def page_text(html: str) -> str:
    """A page's text as a reader reads it: tags gone, white space one space."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
