"""The case-number box keeps the list's phase filter: a caseworker who had filtered the list on a phase and searched a
number was shown the whole list, the filter gone.  The search stays posted (what is typed may be a personnummer, by
mistake): the filter comes with it as a hidden field, validated as the address's ``fas``, and the answer is a redirect
to the case found, or to the filtered list with the number when it is shaped like one, or with only a code of the
message when it is not (``fel=inte_nummer``) — a page the browser can go back to, which the POST's own answer was
not — and never with anything else typed."""

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


def _main(page: str) -> str:
    """The page's own part, its random token left out (it could hold four digits by chance)."""
    return re.sub(r'name="csrf" value="[^"]+"', "", page.split("<main", 1)[1])


def _typed_nowhere(answer, typed: str) -> None:
    """Neither the address a search leads to nor its page holds what was typed, nor its last digits (the page's
    random token left out: it could hold four digits by chance)."""
    page = re.sub(r'name="csrf" value="[^"]+"', "", answer.text)
    for text in (typed, PERSONNUMMER, PERSONNUMMER[8:]):
        assert text not in answer.headers.get("location", "") and text not in page, text


def test_a_personnummer_searched_on_a_filtered_list_is_refused_there_and_reaches_no_address(
        client, users, tick, context, settings):
    """Refused by a redirect to the filtered list with a fixed code for its message (``fel=inte_nummer``): the POST's
    own 422 answer was the page the browser kept, and going back to it from a case asked to send the form again."""
    accepted, _ = school_consented_case(client, users, tick)
    referred = open_case(client, users)
    numbers = {c: context.cases.app.get_case(UUID(c)).case_number for c in (accepted, referred)}
    web = web_as(context, settings, "soc-0180")
    csrf = _csrf(web.get("/arenden").text)
    for typed in (PERSONNUMMER, f"{PERSONNUMMER[:8]}-{PERSONNUMMER[8:]}", "Test Exempelsson"):
        refused = web.post("/arenden", data={"csrf": csrf, "fas": "referred", "nummer": typed},
                           follow_redirects=False)
        assert refused.status_code == 303, (typed, refused.status_code)
        assert refused.headers["location"] == "/arenden?fas=referred&fel=inte_nummer"
        _typed_nowhere(refused, typed)
        said = web.get(refused.headers["location"])
        assert said.status_code == 200 and "Skriv ett ärendenummer" in said.text
        _typed_nowhere(said, typed)
        assert _listed(said.text, numbers) == {referred} and '<option value="referred" selected>' in said.text
        assert '<input type="hidden" name="fas" value="referred">' in said.text   # kept for the next search
        box = re.search(r'<input id="f-nummer"[^>]*>', said.text).group(0)
        assert 'value=""' in box and "autofocus" in box and 'aria-describedby="f-nummer-error"' in box
    unfiltered = web.post("/arenden", data={"csrf": csrf, "fas": "", "nummer": PERSONNUMMER}, follow_redirects=False)
    assert unfiltered.status_code == 303 and unfiltered.headers["location"] == "/arenden?fel=inte_nummer"
    # Its message is kept as a number not found is, when the page asked for lies past the list's end.
    past = web.get("/arenden", params={"fas": "referred", "fel": "inte_nummer", "sida": "9"}, follow_redirects=False)
    assert past.status_code == 303 and past.headers["location"] == "/arenden?fas=referred&fel=inte_nummer"


def test_a_message_code_edited_by_hand_is_refused_naming_it_and_not_said_back(context, settings):
    """The code is the only thing of the message the address holds: one the list does not know is a 422 naming
    ``fel``, as every page's query value it cannot use (``test_web_query_refused``) — never a 500 or the value."""
    for user, page in (("soc-0180", "/arenden"), ("ivo", "/granskning")):
        web = web_as(context, settings, user)
        for code in (PERSONNUMMER, "find_not_a_number", "<b>x</b>", "inte_nummer\x00", "INTE_NUMMER", "x" * 5000):
            shown = web.get(page, params={"fel": code})
            assert shown.status_code == 422, (page, code[:20], shown.status_code)
            main = _main(shown.text)
            assert "Sökrutans meddelande (fel)" in main and "Skriv ett ärendenummer" not in main
            assert code not in main and PERSONNUMMER[8:] not in main, (page, code[:20])
            assert f'href="{page}"' in main   # the list without it
        empty = web.get(page, params={"fel": ""})
        assert empty.status_code == 200 and 'id="f-nummer-error"' not in empty.text
        # A number in the address is a search of its own: the code beside it is not its message.
        both = web.get(page, params={"nummer": NEVER_GIVEN, "fel": "inte_nummer"})
        assert both.status_code == 200 and "Inget ärende med numret" in both.text
        assert "Skriv ett ärendenummer" not in both.text


def test_a_filter_the_list_does_not_offer_is_refused_by_the_search_as_by_the_address(client, users, tick, context,
                                                                                      settings):
    """A 422 naming ``fas`` either way; the search's speaks of the form, where the address's speaks of the address
    (it said "Adressen har ett värde för Fas (fas)" of a form's hidden field)."""
    referred = open_case(client, users)
    number = context.cases.app.get_case(UUID(referred)).case_number
    for user, altered in (("soc-0180", "ongoing"), ("polis", "referred")):   # a member's list offers no "referred"
        web = web_as(context, settings, user)
        csrf = _csrf(web.get("/arenden").text)
        for typed in (number, PERSONNUMMER):
            refused = web.post("/arenden", data={"csrf": csrf, "fas": altered, "nummer": typed},
                               follow_redirects=False)
            assert refused.status_code == 422 and "location" not in refused.headers, (user, refused.status_code)
            main = _main(refused.text)
            assert "Formuläret skickade ett värde för Fas (fas)" in main and "Adressen" not in main
            assert altered not in main and PERSONNUMMER[8:] not in main
            assert '<a href="/arenden">Öppna sidan igen</a>' in main
        linked = web.get("/arenden", params={"fas": altered})
        assert linked.status_code == 422 and "Adressen har ett värde för Fas (fas)" in linked.text


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
    assert refused.status_code == 303 and refused.headers["location"] == "/granskning?fel=inte_nummer"
    _typed_nowhere(refused, PERSONNUMMER)
    said = ivo.get(refused.headers["location"])
    assert said.status_code == 200 and "Skriv ett ärendenummer" in said.text and f">{number}<" in said.text
    _typed_nowhere(said, PERSONNUMMER)


def test_a_personnummer_typed_in_groups_of_four_is_no_case_number_and_reaches_no_address(context, settings):
    """``2009-0314-2388`` is a personnummer typed as a case number is written (four, four, four digits): it was taken
    for one, looked up, and carried into the address and the page ("Inget ärende med numret 2009-0314-2388"). A
    case's number bears the year it was opened; a personnummer's second group is its month and day (a
    samordningsnummer's day plus 60), never a year the calendar counts (from 1900): so it is refused as any other
    personnummer, by a code alone (a red team, 2026-12-06)."""
    grouped = f"{PERSONNUMMER[:4]}-{PERSONNUMMER[4:8]}-{PERSONNUMMER[9:]}"
    coordination = f"{PERSONNUMMER[:4]}-{PERSONNUMMER[4:6]}{int(PERSONNUMMER[6:8]) + 60}-{PERSONNUMMER[9:]}"
    for user, page in (("soc-0180", "/arenden"), ("ivo", "/granskning")):
        web = web_as(context, settings, user)
        csrf = _csrf(web.get(page).text)
        for typed in (grouped, coordination):
            refused = web.post(page, data={"csrf": csrf, "nummer": typed}, follow_redirects=False)
            assert refused.status_code == 303 and refused.headers["location"] == f"{page}?fel=inte_nummer", (
                user, typed, refused.headers.get("location"))
            said = web.get(refused.headers["location"])
            assert "Skriv ett ärendenummer" in said.text
            linked = web.get(page, params={"nummer": typed}, follow_redirects=False)   # a link edited by hand
            assert linked.status_code == 422 and "Skriv ett ärendenummer" in linked.text
            for answer in (refused, said, linked):
                location = answer.headers.get("location", "")
                text = re.sub(r'name="csrf" value="[^"]+"', "", answer.text)
                assert typed not in location and typed not in text and PERSONNUMMER[9:] not in text, (user, typed)
    # The auditors' access-log search says nothing back either.
    ivo = web_as(context, settings, "ivo")
    log = ivo.get("/granskning/atkomstlogg", params={"nummer": grouped})
    assert grouped not in re.sub(r'name="csrf" value="[^"]+"', "", log.text)
