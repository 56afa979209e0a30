"""A plan row that comes into what a member may see — a new row, or one moved to its sight from a category it may not
see — reads the same on the member's plan history, and says only that: the row is now among those it sees.  Both
read *Ny rad*, untrue of a moved one (it may be as old as the plan); telling the two apart would tell the member that
the row was there before, in a category it may not see (DOMAIN.md, Views).  The twin of the row gone from its view
(``test_web_plan_row_out_of_view.py``)."""

from __future__ import annotations

import re

from tests.integration.api.flows import ok, page_text, planned_case
from tests.integration.api.skew import web_as

ROWS = [{"area": "Skola", "goal": "Närvaro.", "how": "Mentor.", "responsible": "Mentor"},
        {"area": "Skola", "goal": "Sömn.", "how": "Samtal.", "responsible": "Peter", "category": "health"}]
NEW = {"area": "Skola", "goal": "Läxhjälp.", "how": "Fritids.", "responsible": "Peter"}
CAME = "Nu bland raderna ni ser –"


def _second_revision(client, users, tick, case_id: str) -> None:
    """The health row (the school may not see it) moved to `school`, and a new school row."""
    plan = ok(client.get(f"/api/v1/cases/{case_id}", headers=users.social))
    ids = {f["content"]["goal"]: f["content"]["row_id"] for f in plan["facts"] if f["kind"] == "plan.row"}
    tick()
    ok(client.post(f"/api/v1/cases/{case_id}/plan/revisions", headers=users.social, json={
        "main_goal": "Peter ska gå i skolan.", "rows": [
            {**ROWS[0], "row_id": ids["Närvaro."]}, {**ROWS[1], "category": "school", "row_id": ids["Sömn."]}, NEW]}),
       201)


def _history(html: str) -> str:
    return page_text(html[html.index("Revisioner och ändringar"):])


def _case(client, users, tick) -> str:
    case_id = planned_case(client, users, tick, {"main_goal": "Peter ska gå i skolan.", "rows": ROWS})
    _second_revision(client, users, tick, case_id)
    return case_id


def test_a_row_moved_into_a_members_sight_reads_as_a_new_one_now_among_its_rows(client, users, tick, context,
                                                                                settings):
    case_id = _case(client, users, tick)
    school = _history(web_as(context, settings, "skola").get(f"/arenden/{case_id}/plan").text)
    assert f"{CAME} Skola: Sömn." in school and f"{CAME} Skola: Läxhjälp." in school, school
    assert "Ny rad" not in school and "Hälsa" not in school and "Kategori" not in school, school


def test_guard_the_moved_in_row_and_the_new_one_read_word_for_word_the_same_to_the_member(client, users, tick,
                                                                                          context, settings):
    case_id = _case(client, users, tick)
    html = web_as(context, settings, "skola").get(f"/arenden/{case_id}/plan").text
    lines = re.findall(r'<li class="(\w+)">\s*([^<]*?)\s*Skola: (?:Sömn|Läxhjälp)\.\s*</li>', html)
    # Already so when both read "Ny rad": the line is the same whatever the wording, class and form included.
    assert len(lines) == 2 and lines[0] == lines[1], lines


def test_guard_social_services_which_sees_every_row_reads_a_new_one_as_new(client, users, tick, context, settings):
    case_id = _case(client, users, tick)
    lead = _history(web_as(context, settings, "soc-0180").get(f"/arenden/{case_id}/plan").text)
    assert "Ny rad Skola: Läxhjälp." in lead and CAME not in lead, lead
    assert "Ny rad Skola: Sömn." not in lead, lead
