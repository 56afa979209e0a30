"""A plan row that leaves what a member may see — removed, or moved to a category it may not see — reads the same on
the member's plan history, and says only that: the row is no longer among those it sees.  It read *Borttagen rad*
for both, which was untrue of a row moved out of its sight (the row goes on, and may still name it responsible);
telling the two apart would tell the member that a row exists in a category it may not see (DOMAIN.md, Views)."""

from __future__ import annotations

import re

from tests.integration.api.flows import ok, page_text, planned_case
from tests.integration.api.skew import web_as

ROWS = [{"area": "Skola", "goal": "Närvaro.", "how": "Mentor.", "responsible": "Mentor"},
        {"area": "Skola", "goal": "Läxhjälp.", "how": "Fritids.", "responsible": "Peter"}]
GONE = "Inte längre bland raderna ni ser –"


def _second_revision(client, users, tick, case_id: str) -> None:
    """The first row moved to `health` (the school may not see it), the second removed."""
    plan = ok(client.get(f"/api/v1/cases/{case_id}", headers=users.social))
    first = next(f for f in plan["facts"] if f["kind"] == "plan.row" and f["content"]["goal"] == "Närvaro.")
    tick()
    ok(client.post(f"/api/v1/cases/{case_id}/plan/revisions", headers=users.social, json={
        "main_goal": "Peter ska gå i skolan.", "rows": [{**ROWS[0], "area": "Hälsa", "category": "health",
                                                         "row_id": first["content"]["row_id"]}]}), 201)


def _history(html: str) -> str:
    return page_text(html[html.index("Revisioner och ändringar"):])


def test_a_row_moved_out_of_a_members_sight_reads_as_one_removed_no_longer_among_its_rows(client, users, tick,
                                                                                           context, settings):
    case_id = planned_case(client, users, tick, {"main_goal": "Peter ska gå i skolan.", "rows": ROWS})
    _second_revision(client, users, tick, case_id)
    school = _history(web_as(context, settings, "skola").get(f"/arenden/{case_id}/plan").text)
    assert f"{GONE} Skola: Närvaro." in school and f"{GONE} Skola: Läxhjälp." in school, school
    assert "Borttagen" not in school and "Hälsa" not in school and "Sova" not in school
    # The same words and form for the moved row and the removed one: nothing on the line tells them apart.
    lines = re.findall(r'<li class="(\w+)">\s*([^<]*?)\s*(?:Skola: (?:Närvaro|Läxhjälp)\.)',
                       web_as(context, settings, "skola").get(f"/arenden/{case_id}/plan").text)
    assert lines == [("removed", GONE), ("removed", GONE)], lines


def test_guard_social_services_which_sees_every_row_reads_a_removed_one_as_removed(client, users, tick, context,
                                                                                    settings):
    case_id = planned_case(client, users, tick, {"main_goal": "Peter ska gå i skolan.", "rows": ROWS})
    _second_revision(client, users, tick, case_id)
    lead = _history(web_as(context, settings, "soc-0180").get(f"/arenden/{case_id}/plan").text)
    assert "Borttagen rad Skola: Läxhjälp." in lead and GONE not in lead, lead
    assert "Närvaro" in lead and "Borttagen rad Skola: Närvaro." not in lead and "Borttagen rad Hälsa" not in lead
