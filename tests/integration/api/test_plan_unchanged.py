"""A revision of the action plan the same as the current one is refused — by the API (422 plan_unchanged) and by the
web form saved unchanged (shown again with a Swedish message, as typed) — and records nothing: it recorded
"Revision 2 … Inga ändringar du kan se", kept for good and shown to every member."""

from __future__ import annotations

import re

import pytest

from tests.integration.api.flows import events_of, ok, page_text, planned_case
from tests.integration.api.skew import web_as
from tests.integration.api.test_web_long_forms import _as_the_browser_posts_it

ROW = {"area": "Skola", "goal": "Närvaro.", "how": "Mentor.", "responsible": "Mentor",
       "responsible_agencies": ["skola"], "follow_up": "Varje vecka"}


@pytest.fixture
def case_id(client, users, tick) -> str:
    return planned_case(client, users, tick, {"main_goal": "Mål.", "rows": [ROW], "young_person_took_part": True})


def test_the_api_answers_422_plan_unchanged_and_records_nothing(client, users, tick, postgres, case_id):
    plan = ok(client.get(f"/api/v1/cases/{case_id}/plan", headers=users.social))
    carried = [{**ROW, "row_id": row["content"]["row_id"]} for row in plan["rows"]]
    before = events_of(postgres, case_id)
    for participation in ({"young_person_took_part": True}, {}):
        tick()
        answer = client.post(f"/api/v1/cases/{case_id}/plan/revisions", headers=users.social,
                             json={"main_goal": "Mål.", "rows": carried, **participation})
        assert answer.status_code == 422, answer.text
        assert (answer.json()["error"]["code"], answer.json()["error"]["field"]) == ("plan_unchanged", None)
    assert events_of(postgres, case_id) == before
    tick()
    changed = client.post(f"/api/v1/cases/{case_id}/plan/revisions", headers=users.social,
                          json={"main_goal": "Nytt mål.", "rows": carried})
    assert ok(changed, 201)["created"] == 2


def test_the_form_saved_unchanged_is_shown_again_with_why_and_nothing_lost(context, settings, tick, postgres,
                                                                          case_id):
    web = web_as(context, settings, "soc-0180")
    page = web.get(f"/arenden/{case_id}/plan").text
    data = {**_as_the_browser_posts_it(page), "main_goal": ["Mål."], "young_person_took_part": ["true"]}
    before = events_of(postgres, case_id)
    tick()
    refused = web.post(f"/arenden/{case_id}/plan", data=data, follow_redirects=False)
    assert refused.status_code == 422, refused.text[:500]
    assert ("Planen är redan sparad så: inget ändrades. Ändra huvudmålet, en rad eller vilka som deltog för att"
            " spara en ny revision.") in page_text(refused.text)
    assert events_of(postgres, case_id) == before
    assert "Revision 2" not in page_text(refused.text)
    assert re.search(r'<textarea[^>]*name="main_goal"[^>]*>\s*Mål\.</textarea>', refused.text)
    assert 'name="rows.0.follow_up" value="Varje vecka"' in refused.text.replace(' required', '')
    assert re.search(r'name="rows.0.responsible_agencies" value="skola" checked', refused.text)
