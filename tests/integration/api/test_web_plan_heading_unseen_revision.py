"""A member that may not see `case` sees no plan's main goal, so it cannot tell the current revision from the last
one it sees rows of: a later revision without its rows is hidden from it, and the older one was headed *Gällande
plan*.  Its heading says what it is — the latest revision where it sees rows — in the same words whether or not a
later revision exists (DOMAIN.md, Views: not even a wording that differs by what it may not see)."""

from __future__ import annotations

import re

from tests.integration.api.flows import ok, page_text, planned_case, school_consented_case
from tests.integration.api.skew import web_as

SCHOOL_ROW = {"area": "Skola", "goal": "Närvaro.", "how": "Mentor.", "responsible": "Mentor"}
HEALTH_ROW = {"area": "Hälsa", "goal": "Sova bättre.", "how": "Samtal.", "responsible": "Peter",
              "category": "health"}
LATEST_SEEN = "Den senaste revision där ni ser rader"


def _school_only_case(client, users, tick) -> str:
    """The school sees `school` only (not `case`): a plan of one school row and one health row."""
    case_id, _ = school_consented_case(client, users, tick, categories=("school",))
    tick()
    ok(client.post(f"/api/v1/cases/{case_id}/plan/revisions", headers=users.social,
                   json={"main_goal": "Peter ska gå i skolan.", "rows": [SCHOOL_ROW, HEALTH_ROW]}), 201)
    return case_id


def _heading(html: str) -> str:
    """The current plan's heading and what stands under it up to the revision's time (which differs by case)."""
    start = html.index('<h2 id="plan-current-heading">')
    return page_text(html[start:html.index("<strong>", start)])


def test_a_member_without_case_reads_the_same_heading_whether_or_not_a_later_revision_hides_its_rows(
        client, users, tick, context, settings):
    revised = _school_only_case(client, users, tick)
    tick()   # a second revision keeps only the health row: nothing of it reaches the school
    ok(client.post(f"/api/v1/cases/{revised}/plan/revisions", headers=users.social,
                   json={"main_goal": "Peter ska gå i skolan.", "rows": [HEALTH_ROW]}), 201)
    unrevised = _school_only_case(client, users, tick)
    school = web_as(context, settings, "skola")
    pages = [school.get(f"/arenden/{case_id}/plan").text for case_id in (revised, unrevised)]
    assert all("Närvaro." in page for page in pages)   # revision 1's school row, on both
    headings = [_heading(page) for page in pages]
    assert headings[0] == headings[1], headings
    assert LATEST_SEEN in headings[0] and "Gällande plan" not in headings[0], headings[0]
    assert all(re.search(r"<strong>Revision 1</strong>", page) for page in pages)


def test_guard_social_services_and_a_member_seeing_case_read_the_current_plan(client, users, tick, context,
                                                                               settings):
    """Whoever sees the goal sees every revision's (every goal is `case`): what it is shown is the current plan."""
    case_id = planned_case(client, users, tick, {"main_goal": "Peter ska gå i skolan.", "rows": [SCHOOL_ROW]})
    for user in ("soc-0180", "skola"):
        heading = _heading(web_as(context, settings, user).get(f"/arenden/{case_id}/plan").text)
        assert "Gällande plan" in heading and LATEST_SEEN not in heading, (user, heading)
