"""What is typed as a case number never lands in a URL: a personnummer typed there by mistake would stay in the
browser's history and a proxy's log.  The case search boxes were posted for this; the auditor's access-log search
(Åtkomstlogg) was a GET form with the same field, `nummer` (a red team, 2026-12-05)."""

from __future__ import annotations

import re

from tests.integration.api.flows import BORN_2009_03_14 as PERSONNUMMER, ok, school_consented_case
from tests.integration.api.skew import web_as


def _search_form(page: str) -> str:
    return re.search(r'<form [^>]*class="inline-form">.*?</form>', page, re.S).group(0)


def test_the_access_log_search_is_posted_and_a_personnummer_typed_in_it_is_not_said_back(
        client, users, tick, context, settings):
    case_id, _ = school_consented_case(client, users, tick)
    number = ok(client.get(f"/api/v1/cases/{case_id}", headers=users.social))["facts"][0]["content"]["case_number"]
    ok(client.get(f"/api/v1/cases/{case_id}", headers=users.school))   # a read to find
    ivo = web_as(context, settings, "ivo")
    page = ivo.get("/granskning/atkomstlogg").text
    form = _search_form(page)
    assert form.startswith('<form method="post" action="/granskning/atkomstlogg"'), form
    assert 'name="nummer"' in form
    csrf = re.search(r'name="csrf" value="([^"]+)"', form).group(1)

    mistaken = ivo.post("/granskning/atkomstlogg", data={"csrf": csrf, "nummer": PERSONNUMMER, "myndighet": ""},
                        follow_redirects=False)
    # A redirect naming the message by a fixed code alone (it was the POST's own 422): nothing typed in the address.
    assert mistaken.status_code == 303 and mistaken.headers["location"] == "/granskning/atkomstlogg?fel=inte_nummer"
    told = ivo.get(mistaken.headers["location"])
    for answer in (mistaken, told):
        main = re.sub(r'name="csrf" value="[^"]+"', "", answer.text.split("<main", 1)[-1])   # a token, left out
        shown = answer.headers.get("location", "") + main
        assert PERSONNUMMER not in shown and PERSONNUMMER.replace("-", "") not in shown
        assert PERSONNUMMER[-4:] not in shown
    assert told.status_code == 200 and "sök inte på personnummer" in told.text   # the redirect's page, as the lists'

    found = ivo.post("/granskning/atkomstlogg", data={"csrf": csrf, "nummer": number, "myndighet": "skola"},
                     follow_redirects=False)
    assert found.status_code == 303, found.text[:2000]
    assert found.headers["location"] == f"/granskning/atkomstlogg?nummer={number}&myndighet=skola"
    shown = ivo.get(found.headers["location"])
    assert shown.status_code == 200 and number in shown.text and "Inga träffar" not in shown.text
    # Without the form's token it is refused, as every posted form is.
    assert ivo.post("/granskning/atkomstlogg", data={"nummer": number}, follow_redirects=False).status_code in (
        400, 403)
