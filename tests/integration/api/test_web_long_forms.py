"""A form the web client shows is posted back whole: a plan the API made longer than the form once read kept
only its first twelve rows when the caseworker saved a change to its main goal (a review's finding)."""

from __future__ import annotations

import re

from tests.integration.api.flows import ok, school_consented_case
from tests.integration.api.skew import web_as

ROWS = 40   # past the twelve the form read before


def _as_the_browser_posts_it(page: str) -> dict[str, list[str]]:
    """Every input and text area of the plan form with its value, as a browser sends the form unchanged."""
    form = page[page.find('name="main_goal"') - 2000:]
    data: dict[str, list[str]] = {"csrf": [re.search(r'name="csrf" value="([^"]+)"', page).group(1)]}
    for tag in re.findall(r'<input[^>]*name="rows\.\d+\.[a-z_]+"[^>]*>', form):
        name, value = re.search(r'name="([^"]+)"', tag).group(1), re.search(r'value="([^"]*)"', tag)
        if value and ('type="checkbox"' not in tag or "checked" in tag):
            data.setdefault(name, []).append(value.group(1))
    for name, value in re.findall(r'<textarea[^>]*name="(rows\.\d+\.[a-z_]+)"[^>]*>([^<]*)</textarea>', form):
        data.setdefault(name, []).append(value.strip())
    for name, value in re.findall(r'<input[^>]*name="(expected_version)"[^>]*value="([^"]*)"', page):
        data[name] = [value]
    return data


def test_a_long_plan_saved_in_the_web_client_keeps_every_row(client, users, tick, context, settings):
    case_id, _ = school_consented_case(client, users, tick)
    rows = [{"area": "Skola", "goal": f"Mål {i}", "how": "Så", "responsible": "Mentor",
             "responsible_agencies": ["skola"]} for i in range(ROWS)]
    tick()
    ok(client.post(f"/api/v1/cases/{case_id}/plan/revisions", json={"main_goal": "Huvudmål", "rows": rows},
                   headers=users.social), 201)
    web = web_as(context, settings, "soc-0180")
    page = web.get(f"/arenden/{case_id}/plan")
    assert page.status_code == 200
    data = _as_the_browser_posts_it(page.text)
    data["main_goal"] = ["Nytt huvudmål"]
    data["young_person_took_part"] = ["true"]   # asked of each new revision
    tick()
    sent = web.post(f"/arenden/{case_id}/plan", data=data, follow_redirects=False)
    assert sent.status_code == 303, sent.text
    plan = ok(client.get(f"/api/v1/cases/{case_id}/plan", headers=users.social))
    assert plan["main_goal"] == "Nytt huvudmål"
    assert plan["revision"] == 2
    assert [r["content"]["goal"] for r in plan["rows"]] == [f"Mål {i}" for i in range(ROWS)]
    assert all(r["content"]["responsible_agencies"] == ["skola"] for r in plan["rows"])
