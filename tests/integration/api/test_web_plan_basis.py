"""The plan page says on what basis the reader sees the plan: the main goal and each row of the current revision
with its *Grund*, as the timeline, the meetings and the follow-ups do. A member's plan page showed the goal and
the rows with no basis at all — the one page where a member could not tell why it was shown a fact."""

from __future__ import annotations

import re

import pytest

from tests.integration.api.flows import ok, school_consented_case
from tests.integration.api.skew import web_as

ROWS = [{"area": "Skola", "goal": "Närvaro.", "how": "Mentor.", "responsible": "Mentor",
         "responsible_agencies": ["skola"]},
        {"area": "Hälsa", "goal": "Sova bättre.", "how": "Samtal.", "responsible": "Peter"}]


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


@pytest.fixture
def case_id(client, users, tick) -> str:
    case_id, _ = school_consented_case(client, users, tick)
    tick()
    ok(client.post(f"/api/v1/cases/{case_id}/plan/revisions", json={"main_goal": "Peter ska gå i skolan.",
                                                                    "rows": ROWS}, headers=users.social), 201)
    return case_id


def _current_plan(html: str) -> str:
    return _text(html[html.index('id="plan-current-heading"'):html.index("Revisioner och ändringar")])


def test_a_member_reads_the_basis_of_the_main_goal_and_of_each_row_it_sees(case_id, context, settings):
    plan = _current_plan(web_as(context, settings, "skola").get(f"/arenden/{case_id}/plan").text)
    consent = "samtycke från Peter Exempel (den unge) och vårdnadshavarna Maria och Johan"
    assert f"Huvudmål: Peter ska gå i skolan. · Grund: {consent}" in plan, plan
    assert "Grund" in plan.split("Uppföljning", 1)[0]   # the rows' table has a basis column
    assert f"Närvaro. Mentor. Mentor Skolan {consent}" in plan, plan
    assert "Sova bättre" not in plan   # a health row stays out of the school's view, basis and all


def test_social_services_reads_its_own_plan_as_its_own(case_id, context, settings):
    plan = _current_plan(web_as(context, settings, "soc-0180").get(f"/arenden/{case_id}/plan").text)
    assert "Huvudmål: Peter ska gå i skolan. · Grund: er egen uppgift" in plan, plan
    assert "Sova bättre. Samtal. Peter er egen uppgift" in plan, plan
