"""The API's `basis.description` says who consented and until when, as the web's pages do — from the consents the
reader itself sees; a consent it does not see stays an id, never a name (the ids stay in `consent_ids`)."""

from __future__ import annotations

import re

from tests.integration.api.flows import ok, school_consented_case

READABLE = "samtycke från den unge och vårdnadshavarna Maria och Johan, tills vidare"
ROW = {"area": "Skola", "category": "school", "goal": "Närvaro varje dag.", "how": "Mentor.",
       "responsible": "Mentor", "responsible_agencies": ["skola"]}


def _consent_bases(facts: list[dict]) -> list[dict]:
    return [f["basis"] for f in facts if f["basis"]["kind"] == "consent"]


def _planned(client, users, tick, case_id: str) -> None:
    tick()
    ok(client.post(f"/api/v1/cases/{case_id}/plan/revisions", json={"main_goal": "Gå i skolan.", "rows": [ROW]},
                   headers=users.social), 201)


def test_a_members_bases_say_who_consented_in_the_timeline_and_the_plan(client, users, tick):
    """The plan's answer holds no consent fact: who consented comes from the consents the member sees."""
    case_id, consents = school_consented_case(client, users, tick)
    _planned(client, users, tick, case_id)
    timeline = ok(client.get(f"/api/v1/cases/{case_id}", headers=users.school))["facts"]
    rows = ok(client.get(f"/api/v1/cases/{case_id}/plan", headers=users.school))["rows"]
    for basis in _consent_bases(timeline) + _consent_bases(rows):
        assert basis["description"] == READABLE, basis
        assert sorted(basis["consent_ids"]) == sorted(consents)   # the ids stay, for a program to match on
    assert _consent_bases(rows)


def test_a_member_that_does_not_see_the_consents_is_told_their_ids_and_no_name(client, users, tick):
    """Consent facts are `case`: a school that may see `school` only sees none of them, so no one is named."""
    case_id, consents = school_consented_case(client, users, tick, categories=("school",))
    _planned(client, users, tick, case_id)
    rows = ok(client.get(f"/api/v1/cases/{case_id}/plan", headers=users.school))["rows"]
    bases = _consent_bases(rows)
    assert bases and all(b["description"] == "samtycke " + ", ".join(c[:8] for c in b["consent_ids"]) for b in bases)
    assert not any(name in str(rows) for name in ("Maria", "Johan", "den unge"))


def test_an_auditors_replay_and_disclosure_log_say_who_consented_as_the_consents_then_stood(client, users, tick):
    case_id, consents = school_consented_case(client, users, tick)
    guardians = [g["guardian_id"] for g in next(
        f for f in ok(client.get(f"/api/v1/cases/{case_id}", headers=users.social))["facts"]
        if f["kind"] == "guardians")["content"]["guardians"]]
    replayed = ok(client.get(f"/api/v1/audit/cases/{case_id}/replay", headers=users.auditor,
                             params={"agency": "skola", "as_of": "2026-12-31T00:00:00Z"}))["facts"]
    assert {b["description"] for b in _consent_bases(replayed)} == {READABLE}
    tick()
    ok(client.post(f"/api/v1/cases/{case_id}/consents/{consents[2]}/narrowings", headers=users.social, json={
        "consenter": guardians[1], "valid_until": "2026-12-31",
        "scope": [{"agency": "skola", "categories": ["case", "school"]}, {"agency": "polis", "categories": ["case"]}]}))
    log = ok(client.get(f"/api/v1/audit/cases/{case_id}/disclosures", headers=users.auditor,
                        params={"agency": "skola"}))["changes"]
    described = [c["basis"]["description"] for c in log if c["basis"]["kind"] == "consent"]
    # Rows before the narrowing tell the end their moment knew; the basis_changed rows it made tell the new end.
    assert READABLE in described
    assert "samtycke från den unge och vårdnadshavarna Maria och Johan, t.o.m. 2026-12-31" in described
    assert not any(re.fullmatch(r"samtycke [0-9a-f]{8}(, [0-9a-f]{8})*", d) for d in described), described
