"""A member's follow-up names a plan row by its id: one it may not see now is no row of the plan to it.

(A red team, 2026-12-04: the school had seen a `health` row it was responsible for; after the young person narrowed
her consent to `case` and `school`, a follow-up naming the row's id was still recorded — and whether it was
recorded (201), refused as "not responsible" or as "no such row" told the school whether the health row was still
in the plan, and still the school's: the current state of a fact it may no longer see.)"""

from __future__ import annotations

from tests.integration.api.flows import ok, school_consented_case

HEALTH_ROW = {"area": "Hälsa", "goal": "Sömn.", "how": "Samtal på BUP.", "responsible": "Kurator",
              "responsible_agencies": ["skola"]}
SCHOOL_ROW = {"area": "Skola", "goal": "Närvaro.", "how": "Mentor.", "responsible": "Mentor",
              "responsible_agencies": ["skola"]}


def _plan(client, users, tick, case_id, rows):
    tick()
    ok(client.post(f"/api/v1/cases/{case_id}/plan/revisions", headers=users.social,
                   json={"main_goal": "Mål.", "rows": rows}), 201)


def _health_row_seen_then_narrowed_away(client, users, tick) -> tuple[str, str]:
    case_id, consents = school_consented_case(client, users, tick, categories=("case", "school", "health"))
    _plan(client, users, tick, case_id, [SCHOOL_ROW, HEALTH_ROW])
    plan = ok(client.get(f"/api/v1/cases/{case_id}/plan", headers=users.school))
    row_id = next(r["content"]["row_id"] for r in plan["rows"] if r["category"] == "health")
    tick()
    ok(client.post(f"/api/v1/cases/{case_id}/consents/{consents[0]}/narrowings", headers=users.social, json={
        "consenter": "young_person", "scope": [{"agency": "skola", "categories": ["case", "school"]},
                                               {"agency": "polis", "categories": ["case"]}]}))
    plan = ok(client.get(f"/api/v1/cases/{case_id}/plan", headers=users.school))
    assert all(r["category"] != "health" for r in plan["rows"])   # the row is hidden from the school now
    return case_id, row_id


def _follow_up(client, users, case_id, row_id):
    return client.post(f"/api/v1/cases/{case_id}/follow-ups", headers=users.school,
                       json={"row_id": row_id, "status": "ongoing", "note": "Bättre."})


def _refusal(response) -> tuple[int, dict]:
    return response.status_code, response.json()["error"]


def test_a_row_the_member_no_longer_sees_is_no_row_to_it_whatever_became_of_it(client, users, tick):
    case_id, row_id = _health_row_seen_then_narrowed_away(client, users, tick)
    made_up = _refusal(_follow_up(client, users, case_id, "00000000-0000-4000-8000-000000000000"))
    assert made_up[0] == 422 and made_up[1]["code"] == "unknown_plan_row"
    still_there = _follow_up(client, users, case_id, row_id)         # the health row, still the school's
    assert _refusal(still_there) == made_up, still_there.text
    _plan(client, users, tick, case_id, [SCHOOL_ROW, {**HEALTH_ROW, "row_id": row_id, "responsible_agencies": []}])
    assert _refusal(_follow_up(client, users, case_id, row_id)) == made_up   # no longer the school's
    _plan(client, users, tick, case_id, [SCHOOL_ROW])
    assert _refusal(_follow_up(client, users, case_id, row_id)) == made_up   # no longer in the plan
    timeline = ok(client.get(f"/api/v1/cases/{case_id}", headers=users.school))
    assert not [f for f in timeline["facts"] if f["kind"] == "follow_up"]   # nothing recorded on the hidden row


def test_a_row_the_member_sees_is_followed_up_as_before(client, users, tick):
    case_id, _ = _health_row_seen_then_narrowed_away(client, users, tick)
    plan = ok(client.get(f"/api/v1/cases/{case_id}/plan", headers=users.school))
    ok(_follow_up(client, users, case_id, plan["rows"][0]["content"]["row_id"]), 201)


def test_a_row_carried_into_a_category_the_member_does_not_see_is_no_row_to_it(client, users, tick):
    """The school saw the row in the plan's first revision (a school row); the second carries it forward as a health
    row, which the school may not see: its old revision's row is still in its view, the row in the plan is not."""
    case_id, _ = school_consented_case(client, users, tick)   # the school sees `case` and `school`
    _plan(client, users, tick, case_id, [SCHOOL_ROW])
    row_id = ok(client.get(f"/api/v1/cases/{case_id}/plan", headers=users.school))["rows"][0]["content"]["row_id"]
    carried = {**HEALTH_ROW, "row_id": row_id}   # still the school's; a new area of another category, said so
    refused = client.post(f"/api/v1/cases/{case_id}/plan/revisions", headers=users.social,
                          json={"main_goal": "Mål.", "rows": [carried]})
    assert refused.status_code == 422 and refused.json()["error"]["field"] == "body.rows.0.category", refused.text
    _plan(client, users, tick, case_id, [{**carried, "category": "health"}])
    assert ok(client.get(f"/api/v1/cases/{case_id}/plan", headers=users.school))["rows"] == []
    made_up = _refusal(_follow_up(client, users, case_id, "00000000-0000-4000-8000-000000000000"))
    assert _refusal(_follow_up(client, users, case_id, row_id)) == made_up
