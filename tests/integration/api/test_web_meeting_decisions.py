"""A meeting's decisions written with no category chosen: said for what the category does, at its select.

It read "Besluten gäller kategori: Fältet måste fyllas i.", which does not say why a category is needed."""

from __future__ import annotations

import re

from tests.integration.api.flows import school_consented_case
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
