"""The web client's plan form asks who drew the revision up ("Upprättad i samråd med den unge", the case's guardians
as checkboxes by name, the reason), and the plan page shows it for each revision: "Ej angivet" for one recorded
without it, as every revision before 2026-12-05 was."""

from __future__ import annotations

import re

import pytest

from tests.integration.api.flows import ok, page_text, planned_case
from tests.integration.api.skew import web_as
from tests.integration.api.test_web_long_forms import _as_the_browser_posts_it

ROW = {"area": "Skola", "goal": "Närvaro.", "how": "Mentor.", "responsible": "Mentor"}


@pytest.fixture
def case_id(client, users, tick) -> str:
    return planned_case(client, users, tick, {"main_goal": "Mål.", "rows": [ROW]})


def _guardian_boxes(page: str) -> dict[str, str]:
    """The guardians offered, name -> id."""
    return {name.strip(): value for value, name in re.findall(
        r'<input type="checkbox" name="guardians_took_part" value="([^"]+)"[^>]*>\s*([^<]+)</label>', page)}


def test_the_form_asks_and_the_page_shows_who_drew_each_revision_up(case_id, context, settings, tick, client,
                                                                    users):
    web = web_as(context, settings, "soc-0180")
    page = web.get(f"/arenden/{case_id}/plan").text
    assert "Upprättad i samråd med Peter Exempel (den unge)" in page   # named: social services sees the name
    assert "Ej angivet" in page_text(page)   # the first revision said nothing of it
    boxes = _guardian_boxes(page)
    assert set(boxes) == {"Maria", "Johan"}
    data = {**_as_the_browser_posts_it(page), "main_goal": ["Mål."], "young_person_took_part": ["false"],
            "guardians_took_part": [boxes["Maria"]]}
    tick()
    refused = web.post(f"/arenden/{case_id}/plan", data=data, follow_redirects=False)
    assert refused.status_code == 422 and 'id="f-not_taking_part_reason-error"' in refused.text
    assert "Skäl till att den unge inte deltog: Fältet måste fyllas i." in page_text(refused.text)
    assert re.search(rf'value="{boxes["Maria"]}" checked', refused.text)   # kept as ticked
    data["not_taking_part_reason"] = ["Den unge var inlagd."]
    tick()
    sent = web.post(f"/arenden/{case_id}/plan", data=data, follow_redirects=False)
    assert sent.status_code == 303, sent.text[:500]
    plan = ok(client.get(f"/api/v1/cases/{case_id}/plan", headers=users.social))
    assert (plan["young_person_took_part"], plan["guardians_took_part"], plan["not_taking_part_reason"]) == (
        False, [boxes["Maria"]], "Den unge var inlagd.")
    shown = page_text(web.get(f"/arenden/{case_id}/plan").text)
    assert "Upprättad i samråd med Peter Exempel (den unge) Nej Skäl till att den unge inte deltog Den unge var inlagd." in shown
    assert "Vårdnadshavare som deltog Maria" in shown
    assert not re.search(r'name="young_person_took_part" value="\w+" checked', web.get(
        f"/arenden/{case_id}/plan").text)   # each revision is asked afresh


def test_a_guardian_not_on_the_case_is_refused_in_swedish(case_id, context, settings, tick):
    web = web_as(context, settings, "soc-0180")
    page = web.get(f"/arenden/{case_id}/plan").text
    data = {**_as_the_browser_posts_it(page), "main_goal": ["Mål."], "young_person_took_part": ["true"],
            "guardians_took_part": ["nobody"]}
    tick()
    refused = web.post(f"/arenden/{case_id}/plan", data=data, follow_redirects=False)
    assert refused.status_code == 422
    assert "Ingen sådan vårdnadshavare finns registrerad i ärendet." in refused.text
    assert 'href="#f-guardians_took_part"' in refused.text


def test_a_member_seeing_the_goal_reads_who_took_part_without_the_guardians_names(case_id, context, settings,
                                                                                 tick, client, users):
    """Counted: a guardian the school may not name read "Vårdnadshavare som deltog: vårdnadshavare", as if that were
    the name, and two "vårdnadshavare, vårdnadshavare"."""
    web = web_as(context, settings, "soc-0180")
    boxes = _guardian_boxes(web.get(f"/arenden/{case_id}/plan").text)
    for took_part, said in (([boxes["Maria"]], "1 vårdnadshavare"), (list(boxes.values()), "2 vårdnadshavare")):
        tick()
        ok(client.post(f"/api/v1/cases/{case_id}/plan/revisions", headers=users.social, json={
            "main_goal": "Mål.", "rows": [ROW], "young_person_took_part": True, "guardians_took_part": took_part}),
            201)
        school = web_as(context, settings, "skola").get(f"/arenden/{case_id}/plan").text
        current = page_text(school.split("Revisioner och ändringar")[0])
        assert "Upprättad i samråd med Peter Exempel (den unge) Ja" in current   # its consent covers `case`
        assert f"Vårdnadshavare som deltog {said} " in current, current
        # Not from the guardians' record (`family`, not the school's): the plan's basis names them as consenters,
        # from the consent facts the school is a recipient of, as its timeline does.
        participation = page_text(re.findall(r'<dl class="participation">.*?</dl>', school, re.S)[0])
        assert "Maria" not in participation and "Johan" not in participation


def test_a_new_revision_left_unanswered_is_refused_beside_the_question_and_keeps_what_was_typed(
        case_id, context, settings, tick, client, users):
    """A revision that only edits a row recorded "Ej angivet": each new revision states the young person's part
    (IVO reads it per revision), so the form asks Ja or Nej; the API still takes it left out (not recorded)."""
    web = web_as(context, settings, "soc-0180")
    page = web.get(f"/arenden/{case_id}/plan").text
    data = {**_as_the_browser_posts_it(page), "main_goal": ["Nytt mål."], "rows.0.goal": ["Närvaro varje dag."]}
    data.pop("young_person_took_part", None)
    tick()
    refused = web.post(f"/arenden/{case_id}/plan", data=data, follow_redirects=False)
    assert refused.status_code == 422
    assert 'id="f-young_person_took_part-error"' in refused.text   # beside the radios
    assert 'href="#f-young_person_took_part"' in refused.text       # the summary leads there
    assert ("Upprättad i samråd med den unge: Svara Ja eller Nej: varje ny revision anger om den unge deltog när den"
            " upprättades.") in page_text(refused.text)
    assert 'value="Nytt mål."' in refused.text or ">Nytt mål.</textarea>" in refused.text
    assert "Närvaro varje dag." in refused.text
    plan = ok(client.get(f"/api/v1/cases/{case_id}/plan", headers=users.social))
    assert plan["main_goal"] == "Mål."   # nothing saved
    data["young_person_took_part"] = ["true"]
    tick()
    assert web.post(f"/arenden/{case_id}/plan", data=data, follow_redirects=False).status_code == 303
