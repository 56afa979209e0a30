"""The web client's case head says no more of the case than the agency's case list does."""

from __future__ import annotations

from tests.integration.api.flows import ok, school_consented_case
from tests.integration.api.skew import web_as


def test_a_school_seeing_only_its_plan_row_is_not_told_the_phase_on_the_web_either(client, users, tick, context,
                                                                                 settings):
    """The phase is the case's (`case`): the case list gave a school seeing only `school` none, while the web
    page's head said "pågående insats" from a plan row alone (a red team's finding)."""
    case_id, _ = school_consented_case(client, users, tick, categories=("school",))
    tick()
    row = {"area": "Skola", "goal": "Närvaro.", "how": "Stöd.", "responsible": "Mentor", "responsible_agencies": []}
    ok(client.post(f"/api/v1/cases/{case_id}/plan/revisions", json={"main_goal": "Mål.", "rows": [row]},
                   headers=users.social), 201)
    assert [r["phase"] for r in ok(client.get("/api/v1/cases", headers=users.school))["cases"]] == [None]
    school = web_as(context, settings, "skola")
    page = school.get(f"/arenden/{case_id}")
    assert page.status_code == 200 and "Närvaro." in school.get(f"/arenden/{case_id}/plan").text
    assert "pågående insats" not in page.text
    social = web_as(context, settings, "soc-0180").get(f"/arenden/{case_id}")
    assert "pågående insats" in social.text   # the lead sees the plan's goal: the group works
