"""`GET /cases/{id}/plan` says why the reader sees the main goal (`main_goal_basis`), as each row's `basis` says why
it sees the row: the API gave the goal with no basis at all, where the plan page and the timeline give one."""

from __future__ import annotations

from tests.integration.api.flows import ok, planned_case, school_consented_case

ROWS = [{"area": "Skola", "goal": "Närvaro.", "how": "Mentor.", "responsible": "Mentor",
         "responsible_agencies": ["skola"]}]


def _plan_case(client, users, tick) -> str:
    return planned_case(client, users, tick, {"main_goal": "Peter ska gå i skolan.", "rows": ROWS})


def test_a_member_is_told_the_basis_of_the_main_goal_as_its_timeline_tells_the_goal(client, users, tick):
    case_id = _plan_case(client, users, tick)
    plan = ok(client.get(f"/api/v1/cases/{case_id}/plan", headers=users.school))
    timeline = ok(client.get(f"/api/v1/cases/{case_id}", headers=users.school))
    goal = next(f for f in timeline["facts"] if f["kind"] == "plan.goal")
    assert plan["main_goal"] == "Peter ska gå i skolan."
    assert plan["main_goal_basis"] == goal["basis"] and goal["basis"]["kind"] == "consent", plan


def test_social_services_is_told_the_goal_is_its_own(client, users, tick):
    case_id = _plan_case(client, users, tick)
    plan = ok(client.get(f"/api/v1/cases/{case_id}/plan", headers=users.social))
    assert plan["main_goal_basis"]["kind"] == "origin", plan


def test_with_no_plan_there_is_no_goal_and_no_basis(client, users, tick):
    case_id, _ = school_consented_case(client, users, tick)
    plan = ok(client.get(f"/api/v1/cases/{case_id}/plan", headers=users.school))
    assert plan["main_goal"] is None and plan["main_goal_basis"] is None, plan
