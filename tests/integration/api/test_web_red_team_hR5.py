"""Red team hR5 (2026-12-07): today's new inputs — the replay's moment and agency, the auditors' index cursor,
the plan page's heading — attacked for personal data said back or carried into a URL, and for what a page tells
someone who may not know it."""

from __future__ import annotations

import html
import re
from urllib.parse import parse_qsl, urlsplit

from tests.integration.api.flows import school_consented_case
from tests.integration.api.skew import web_as

PERSONNUMMER = "19900101-1234"


def _way_back(page: str) -> str:
    field = re.search(r'<form method="post" action="/syfte".*?name="back" value="([^"]*)"', page, re.S)
    assert field, page[-3000:]
    return html.unescape(field.group(1))


def _csrf(page: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', page).group(1)


def test_the_purpose_forms_way_back_keeps_only_the_replays_own_well_formed_query(client, users, tick, context,
                                                                                  settings):
    """A personnummer typed as the replay's ``myndighet`` (or any parameter the page does not take) went into the
    *Syfte* form's hidden way back, and the purpose's redirect sent the browser to it: a URL in history and logs."""
    case_id, _ = school_consented_case(client, users, tick)
    ivo = web_as(context, settings, "ivo")
    page = ivo.get(f"/granskning/arenden/{case_id}",
                   params={"myndighet": PERSONNUMMER, "tid": "2026-03-03", "namn": "Anna Svensson"})
    assert page.status_code == 422
    back = _way_back(page.text)
    assert PERSONNUMMER not in back and "Anna" not in back and "namn" not in back, back
    assert dict(parse_qsl(urlsplit(back).query)) == {"tid": "2026-03-03"}, back
    moved = ivo.post("/syfte", data={"csrf": _csrf(page.text), "back": back, "case": str(case_id),
                                      "purpose": "Tillsyn"}, follow_redirects=False)
    assert moved.status_code == 303 and PERSONNUMMER not in moved.headers["location"], moved.headers
    # A moment that is no moment is left out; the agency and moment the page read are kept as they were typed.
    mistyped = ivo.get(f"/granskning/arenden/{case_id}", params={"myndighet": "polis", "tid": PERSONNUMMER})
    assert dict(parse_qsl(urlsplit(_way_back(mistyped.text)).query)) == {"myndighet": "polis"}
    read = ivo.get(f"/granskning/arenden/{case_id}", params={"myndighet": "polis", "tid": "2026-03-03 12:00"})
    assert read.status_code == 200
    assert dict(parse_qsl(urlsplit(_way_back(read.text)).query)) == {"myndighet": "polis", "tid": "2026-03-03 12:00"}
    # The report takes no query at all.
    report = ivo.get(f"/granskning/arenden/{case_id}/rapport", params={"myndighet": PERSONNUMMER})
    assert report.status_code == 200 and _way_back(report.text) == f"/granskning/arenden/{case_id}/rapport"


def test_the_sign_ins_way_back_keeps_only_a_query_the_pages_take_in_its_shape(client, users, tick, context,
                                                                                settings):
    """Signed out, a page's address went whole into the sign-in's ``tillbaka`` (and the redirect after it): a
    personnummer typed as the replay's ``myndighet``, or a name as a parameter no page takes, with it."""
    case_id, _ = school_consented_case(client, users, tick)
    signed_out = web_as(context, settings, "ivo")
    signed_out.cookies.clear()
    for query in ({"myndighet": PERSONNUMMER, "tid": "2026-03-03"}, {"myndighet": "polis", "tid": "900101-1234"},
                  {"myndighet": "polis", "namn": "Anna Svensson", "tid": "2026-03-03"}):
        moved = signed_out.get(f"/granskning/arenden/{case_id}", params=query, follow_redirects=False)
        assert moved.status_code == 303, moved.text[-2000:]
        back = dict(parse_qsl(urlsplit(moved.headers["location"]).query))["tillbaka"]
        assert "1234" not in back and "Anna" not in back and "namn" not in back, back
        assert urlsplit(back).path == f"/granskning/arenden/{case_id}"
    kept = signed_out.get(f"/granskning/arenden/{case_id}", params={"myndighet": "polis", "tid": "2026-03-03 12:00"},
                          follow_redirects=False)
    back = dict(parse_qsl(urlsplit(kept.headers["location"]).query))["tillbaka"]
    assert dict(parse_qsl(urlsplit(back).query)) == {"myndighet": "polis", "tid": "2026-03-03 12:00"}, back
