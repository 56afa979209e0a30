"""A meeting's decisions written with no category chosen: said for what the category does, at its select.

It read "Besluten gäller kategori: Fältet måste fyllas i.", which does not say why a category is needed.  A decision
the domain refuses is named by its position (``decisions.1.category``, as an outcome's ``outcomes.1.category``):
over the API at ``body.decisions.1.category``, on the web form at the one select all the decisions share."""

from __future__ import annotations

import re

from tests.integration.api.flows import ok, school_consented_case
from tests.integration.api.skew import web_as


def test_decisions_without_a_category_say_what_the_category_decides(client, users, tick, context, settings):
    case_id, _ = school_consented_case(client, users, tick)
    web = web_as(context, settings, "soc-0180")
    page = web.get(f"/arenden/{case_id}/moten").text
    form = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page))
    answer = web.post(f"/arenden/{case_id}/moten", data={**form, "held_on": "2026-02-03",
                                                         "decisions": "Peter börjar på fritidsgården."})
    assert answer.status_code == 422
    said = re.search(r'<p class="error" id="f-decisions-0-category-error">(.*?)</p>', answer.text, re.S).group(1)
    assert "Välj vilken kategori besluten gäller: den avgör vilka aktörer som får se dem." in said
    assert "Fältet måste fyllas i." not in answer.text
    assert "Peter börjar på fritidsgården." in answer.text   # what was typed is given back


def test_the_api_names_the_decision_whose_category_or_text_is_refused(client, users, tick):
    case_id, _ = school_consented_case(client, users, tick)
    fine = {"text": "Nästa möte i mars.", "category": "case"}
    tick()
    for decisions, field in (([fine, {"text": "BUP prövar medicinering.", "category": "halsa"}], "category"),
                             ([fine, {"text": "Ny plan.\x00", "category": "health"}], "text")):
        refused = client.post(f"/api/v1/cases/{case_id}/meetings", headers=users.social,
                              json={"held_on": "2026-02-02", "attendees": ["skola"], "decisions": decisions})
        assert refused.status_code == 422, refused.text
        assert refused.json()["error"]["field"] == f"body.decisions.1.{field}", refused.json()
    assert ok(client.get(f"/api/v1/cases/{case_id}/meetings", headers=users.social))["meetings"] == []


def test_the_web_form_says_a_refused_category_at_its_select(client, users, tick, context, settings):
    case_id, _ = school_consented_case(client, users, tick)
    web = web_as(context, settings, "soc-0180")
    page = web.get(f"/arenden/{case_id}/moten").text
    form = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page))
    answer = web.post(f"/arenden/{case_id}/moten", data={
        **form, "held_on": "2026-02-03", "decisions": "Nästa möte i mars.\nBUP prövar medicinering.",
        "decisions.0.category": "halsa"})
    assert answer.status_code == 422
    said = re.search(r'<p class="error" id="f-decisions-0-category-error">(.*?)</p>', answer.text, re.S)
    assert said and said.group(1).strip(), answer.text[:2000]
    assert "BUP prövar medicinering." in answer.text   # what was typed is given back
