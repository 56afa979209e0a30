"""Red team hR3 (2026-12-07): a consent basis's end (``basis_text.lapses``) after one of one person's two consents to
the same part is withdrawn or narrowed.  The later end may be told only while the consent giving it still carries
the part: told after, it promises the school a disclosure that ends earlier (overstating is a false promise)."""

from __future__ import annotations

from tests.integration.api.flows import accepted_with_guardians, ok
from tests.integration.api.skew import web_as
from tests.integration.api.test_web_plan_basis import ROWS, _current_plan


def _case(client, users, tick) -> tuple[str, dict[str, str], dict[str, str]]:
    """Maria's two consents give the school `case` and `school`, to 30 June and to 31 December; the young person's
    and Johan's have no end.  The case id, the consents' whole ids by name, the guardians' ids by name."""
    case_id, (maria, johan) = accepted_with_guardians(client, users, tick)
    school = {"agency": "skola", "categories": ["case", "school"]}
    ids = {}
    for name, consenter, until in (("young_person", "young_person", None), ("johan", johan, None),
                                   ("maria_june", maria, "2026-06-30"), ("maria_december", maria, "2026-12-31")):
        tick()
        ids[name] = ok(client.post(f"/api/v1/cases/{case_id}/consents", headers=users.social, json={
            "consenter": consenter, "scope": [school], "purpose": "Samverkan", "valid_from": "2026-02-02",
            "valid_until": until, "form": "written"}), 201)["created"]
    tick()
    ok(client.post(f"/api/v1/cases/{case_id}/members", headers=users.social,
                   json={"agency": "skola", "contact_person": "Kontakt", "role": "kontaktperson"}), 201)
    tick()
    ok(client.post(f"/api/v1/cases/{case_id}/plan/revisions", headers=users.social, json={
        "main_goal": "Peter ska gå i skolan.", "rows": ROWS[:1]}), 201)
    return case_id, ids, {"maria": maria, "johan": johan}


def _school_sees(client, users, context, settings, case_id: str) -> str:
    plan = _current_plan(web_as(context, settings, "skola").get(f"/arenden/{case_id}/plan").text)
    api = ok(client.get(f"/api/v1/cases/{case_id}/plan", headers=users.school))["rows"]
    return plan + " API: " + " | ".join(r["basis"]["description"] for r in api)


def test_a_withdrawn_consents_later_end_is_no_longer_told(client, users, tick, context, settings):
    case_id, ids, who = _case(client, users, tick)
    assert "t.o.m. 2026-12-31" in _school_sees(client, users, context, settings, case_id)
    tick()
    ok(client.post(f"/api/v1/cases/{case_id}/consents/{ids['maria_december']}/withdrawal", headers=users.social,
                   json={"consenter": who["maria"]}))
    seen = _school_sees(client, users, context, settings, case_id)
    assert "2026-12-31" not in seen and "t.o.m. 2026-06-30" in seen, seen


def test_a_consent_narrowed_off_the_part_no_longer_lends_its_end(client, users, tick, context, settings):
    case_id, ids, who = _case(client, users, tick)
    tick()
    ok(client.post(f"/api/v1/cases/{case_id}/consents/{ids['maria_december']}/narrowings", headers=users.social,
                   json={"consenter": who["maria"], "scope": [{"agency": "skola", "categories": ["case"]}],
                         "valid_until": "2026-12-31"}))
    seen = _school_sees(client, users, context, settings, case_id)
    row = seen[seen.index("Närvaro."):]
    assert "2026-12-31" not in row.split(" API: ")[0] and "2026-12-31" not in row.split(" API: ")[1], seen

