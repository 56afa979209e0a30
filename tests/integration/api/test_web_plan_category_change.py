"""A plan row moved to another category is a change on the plan's history, with both categories by the names the plan
form gives them: social services' history read *Inga ändringar ni kan se.* for a revision whose only change was a
row's category — the change that decides who may see the row.  A member reads it only for a row it sees in both
revisions (both categories its own to see); a row moved between its sight and a category it may not see comes or
goes (``test_web_plan_row_into_view.py``, ``test_web_plan_row_out_of_view.py``) and names no category."""

from __future__ import annotations

from tests.integration.api.flows import ok, page_text, school_consented_case
from tests.integration.api.skew import web_as

ROWS = [{"area": "Skola", "goal": "Närvaro.", "how": "Mentor.", "responsible": "Mentor"},
        {"area": "Skola", "goal": "Sömn.", "how": "Samtal.", "responsible": "Peter", "category": "health"}]
GOAL = "Peter ska gå i skolan."


def _moved(client, users, tick, categories: dict[str, str]) -> str:
    """A case whose school sees `case`, `school` and `leisure`, with a plan of ``ROWS``, and a second revision that
    only moves rows (by goal) to other categories: the case id."""
    case_id, _ = school_consented_case(client, users, tick, categories=("case", "school", "leisure"))
    tick()
    ok(client.post(f"/api/v1/cases/{case_id}/plan/revisions", json={"main_goal": GOAL, "rows": ROWS},
                   headers=users.social), 201)
    plan = ok(client.get(f"/api/v1/cases/{case_id}", headers=users.social))
    ids = {f["content"]["goal"]: f["content"]["row_id"] for f in plan["facts"] if f["kind"] == "plan.row"}
    rows = [{**r, "row_id": ids[r["goal"]], **({"category": categories[r["goal"]]} if r["goal"] in categories else {})}
            for r in ROWS]
    tick()
    ok(client.post(f"/api/v1/cases/{case_id}/plan/revisions", json={"main_goal": GOAL, "rows": rows},
                   headers=users.social), 201)
    return case_id


def _revision_2(web, case_id: str) -> str:
    html = web.get(f"/arenden/{case_id}/plan").text
    return page_text(html[html.index('id="revision-2"'):html.index('id="revision-1"')])


def test_social_services_reads_a_row_moved_to_another_category_as_changed_naming_both(client, users, tick, context,
                                                                                      settings):
    case_id = _moved(client, users, tick, {"Sömn.": "school"})
    lead = _revision_2(web_as(context, settings, "soc-0180"), case_id)
    assert "Ändrad rad Skola: Sömn. (Kategori: från Hälsa till Skola)" in lead, lead
    assert "Inga ändringar" not in lead and "Närvaro" not in lead, lead


def test_a_member_reads_a_row_moved_between_two_categories_it_sees_as_changed_naming_both(client, users, tick,
                                                                                          context, settings):
    case_id = _moved(client, users, tick, {"Närvaro.": "leisure"})
    school = _revision_2(web_as(context, settings, "skola"), case_id)
    assert "Ändrad rad Skola: Närvaro. (Kategori: från Skola till Fritid)" in school, school
    assert "Sömn" not in school and "Hälsa" not in school, school


def test_guard_a_row_moved_out_of_a_members_sight_names_no_category_to_it(client, users, tick, context, settings):
    case_id = _moved(client, users, tick, {"Närvaro.": "health"})
    school = _revision_2(web_as(context, settings, "skola"), case_id)
    assert "Inte längre bland raderna ni ser – Skola: Närvaro." in school, school
    assert "Kategori" not in school and "Hälsa" not in school and "Sömn" not in school, school
