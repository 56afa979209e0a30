"""The case-number box keeps the list's phase filter: a caseworker who had filtered the list on a phase and searched a
number was shown the whole list, the filter gone.  The search stays posted (what is typed may be a personnummer, by
mistake): the filter comes with it as a hidden field, validated as the address's ``fas``, and the answer is a redirect
to the case found, or to the filtered list with the number when it is shaped like one — a page the browser can go
back to, which the POST's own answer was not — and never with anything else typed."""

from __future__ import annotations

import re
from uuid import UUID

from tests.integration.api.flows import BORN_2009_03_14 as PERSONNUMMER, open_case, school_consented_case
from tests.integration.api.skew import web_as

NEVER_GIVEN = "0180-2026-9999"


def _csrf(page: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', page).group(1)


def _search_form(page: str) -> str:
    return re.search(r'<form method="post" action="/arenden" class="inline-form">.*?</form>', page, re.S).group(0)


def _listed(page: str, numbers: dict[str, str]) -> set[str]:
    return {case_id for case_id, number in numbers.items() if f">{number}</a>" in page}


def test_a_number_searched_on_a_filtered_list_keeps_the_filter(client, users, tick, context, settings):
    accepted, _ = school_consented_case(client, users, tick)
    referred = open_case(client, users)
    numbers = {c: context.cases.app.get_case(UUID(c)).case_number for c in (accepted, referred)}
    web = web_as(context, settings, "soc-0180")
    filtered = web.get("/arenden", params={"fas": "referred"}).text
    assert _listed(filtered, numbers) == {referred}
    form = _search_form(filtered)
    assert '<input type="hidden" name="fas" value="referred">' in form, form
    csrf = _csrf(filtered)

    missing = web.post("/arenden", data={"csrf": csrf, "fas": "referred", "nummer": f" {NEVER_GIVEN} "},
                       follow_redirects=False)
    assert missing.status_code == 303 and missing.headers["location"] == f"/arenden?fas=referred&nummer={NEVER_GIVEN}"
    said = web.get(missing.headers["location"]).text
    assert f"Inget ärende med numret {NEVER_GIVEN} som ni har tillgång till." in said
    assert _listed(said, numbers) == {referred}   # the list still filtered, and its filter still chosen
    assert '<option value="referred" selected>' in said
    # The box has the focus, tied to its message, so that it is read out and the number can be typed again.
    box = re.search(r'<input id="f-nummer"[^>]*>', said).group(0)
    assert "autofocus" in box and 'aria-describedby="f-nummer-error"' in box and f'value="{NEVER_GIVEN}"' in box

    found = web.post("/arenden", data={"csrf": csrf, "fas": "referred", "nummer": numbers[accepted]},
                     follow_redirects=False)
    assert found.status_code == 303 and found.headers["location"] == f"/arenden/{accepted}"
    empty = web.post("/arenden", data={"csrf": csrf, "fas": "referred", "nummer": ""}, follow_redirects=False)
    assert empty.status_code == 303 and empty.headers["location"] == "/arenden?fas=referred"
    unfiltered = web.post("/arenden", data={"csrf": csrf, "fas": "", "nummer": NEVER_GIVEN}, follow_redirects=False)
    assert unfiltered.headers["location"] == f"/arenden?nummer={NEVER_GIVEN}"


def test_a_personnummer_searched_on_a_filtered_list_is_refused_there_and_reaches_no_address(
        client, users, tick, context, settings):
    accepted, _ = school_consented_case(client, users, tick)
    referred = open_case(client, users)
    numbers = {c: context.cases.app.get_case(UUID(c)).case_number for c in (accepted, referred)}
    web = web_as(context, settings, "soc-0180")
    csrf = _csrf(web.get("/arenden").text)
    for typed in (PERSONNUMMER, f"{PERSONNUMMER[:8]}-{PERSONNUMMER[8:]}"):
        refused = web.post("/arenden", data={"csrf": csrf, "fas": "referred", "nummer": typed},
                           follow_redirects=False)
        assert refused.status_code == 422 and "location" not in refused.headers
        assert "Skriv ett ärendenummer" in refused.text and PERSONNUMMER[8:] not in refused.text
        assert _listed(refused.text, numbers) == {referred} and '<option value="referred" selected>' in refused.text
        assert '<input type="hidden" name="fas" value="referred">' in refused.text   # kept for the next search


def test_a_filter_the_list_does_not_offer_is_refused_by_the_search_as_by_the_address(client, users, tick, context,
                                                                                      settings):
    referred = open_case(client, users)
    number = context.cases.app.get_case(UUID(referred)).case_number
    for user, altered in (("soc-0180", "ongoing"), ("polis", "referred")):   # a member's list offers no "referred"
        web = web_as(context, settings, user)
        csrf = _csrf(web.get("/arenden").text)
        refused = web.post("/arenden", data={"csrf": csrf, "fas": altered, "nummer": number}, follow_redirects=False)
        assert refused.status_code == 422 and "location" not in refused.headers, (user, refused.status_code)
        assert "Fas (fas)" in refused.text and altered not in refused.text.split("<main", 1)[1]


def test_the_auditors_search_answers_with_a_redirect_that_carries_only_a_case_number(client, users, tick, context,
                                                                                      settings):
    case_id = open_case(client, users)
    number = context.cases.app.get_case(UUID(case_id)).case_number
    ivo = web_as(context, settings, "ivo")
    csrf = _csrf(ivo.get("/granskning").text)
    missing = ivo.post("/granskning", data={"csrf": csrf, "nummer": NEVER_GIVEN}, follow_redirects=False)
    assert missing.status_code == 303 and missing.headers["location"] == f"/granskning?nummer={NEVER_GIVEN}"
    said = ivo.get(missing.headers["location"]).text
    assert f"Inget ärende med numret {NEVER_GIVEN}." in said and f">{number}<" in said
    assert "autofocus" in re.search(r'<input id="f-nummer"[^>]*>', said).group(0)
    found = ivo.post("/granskning", data={"csrf": csrf, "nummer": number}, follow_redirects=False)
    assert found.status_code == 303 and found.headers["location"] == f"/granskning/arenden/{case_id}"
    refused = ivo.post("/granskning", data={"csrf": csrf, "nummer": PERSONNUMMER}, follow_redirects=False)
    assert refused.status_code == 422 and "location" not in refused.headers and PERSONNUMMER not in refused.text
