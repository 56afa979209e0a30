"""A plan's revision number counts the case's administration: a member that may not see the plan's goal (`case`)
is not told how many revisions there were — not in a row's content, the plan answer, its feed or the web's plan
page (DOMAIN.md: "not even as a count").  It is told its own count, of the revisions it sees anything of; social
services, which sees every revision, is told the plan's own numbers.

The case: the school sees `school` only; the plan is revised three times, and only the third has a school row.
Before, the school read "revision": 3 on its one row, and "Revision 3" on its plan page.
"""

from __future__ import annotations

import re

import pytest

from tests.integration.api.flows import ok, page_text, school_consented_case
from tests.integration.api.skew import web_as
from tests.integration.api.test_feed_http import everything

HEALTH = {"area": "Hälsa", "category": "health", "goal": "Må bättre.", "how": "Samtal.", "responsible": "BUP",
          "responsible_agencies": []}
SCHOOL = {"area": "Skola", "category": "school", "goal": "Närvaro.", "how": "Mentor.", "responsible": "Mentor",
          "responsible_agencies": ["skola"]}


@pytest.fixture
def case_id(client, users, tick) -> str:
    case_id, _ = school_consented_case(client, users, tick, categories=("school",))
    for rows in ([HEALTH], [{**HEALTH, "how": "Samtal varje vecka."}], [HEALTH, SCHOOL]):
        tick()
        ok(client.post(f"/api/v1/cases/{case_id}/plan/revisions", json={"main_goal": "Mål.", "rows": rows},
                       headers=users.social), 201)
    return case_id


def _rows(answer: dict) -> list[dict]:
    return [f for f in answer["facts"] if f["kind"] == "plan.row"]


def test_a_member_not_seeing_the_goal_reads_its_own_count(client, users, case_id):
    plan = ok(client.get(f"/api/v1/cases/{case_id}/plan", headers=users.school))
    assert plan["main_goal"] is None and plan["revision"] == 1
    assert [r["content"]["area"] for r in plan["rows"]] == ["Skola"]
    timeline = ok(client.get(f"/api/v1/cases/{case_id}", headers=users.school))
    for row in [*plan["rows"], *_rows(timeline)]:
        assert "revision" not in row["content"] and "position" not in row["content"], row["content"]
    assert '"revision":3' not in client.get(f"/api/v1/cases/{case_id}/plan", headers=users.school).text


def test_social_services_reads_the_plans_own_numbers(client, users, case_id):
    plan = ok(client.get(f"/api/v1/cases/{case_id}/plan", headers=users.social))
    assert plan["revision"] == 3 and plan["main_goal"] == "Mål."
    assert [r["content"]["revision"] for r in plan["rows"]] == [3, 3]
    timeline = ok(client.get(f"/api/v1/cases/{case_id}", headers=users.social))
    assert sorted(r["content"]["revision"] for r in _rows(timeline)) == [1, 2, 3, 3]


def test_a_members_feed_carries_its_rows_without_the_revision_and_the_leads_with_it(client, users, case_id):
    school, _ = everything(client, users.school, "skola")
    rows = [m["body"] for m in school if m["body"]["kind"] == "plan.row"]
    assert [r["content"]["area"] for r in rows] == ["Skola"]
    assert "revision" not in rows[0]["content"] and rows[0]["content"]["goal"] == "Närvaro."
    lead, _ = everything(client, users.social, "socialtjanst")
    assert sorted(m["body"]["content"]["revision"] for m in lead if m["body"]["kind"] == "plan.row") == [1, 2, 3, 3]


def test_the_web_plan_page_numbers_a_members_revisions_as_it_sees_them(case_id, context, settings):
    school = page_text(web_as(context, settings, "skola").get(f"/arenden/{case_id}/plan").text)
    assert "Revision 1" in school and "Närvaro." in school
    assert not re.search(r"Revision [23]", school), school
    social = page_text(web_as(context, settings, "soc-0180").get(f"/arenden/{case_id}/plan").text)
    assert all(f"Revision {n}" in social for n in (1, 2, 3))
