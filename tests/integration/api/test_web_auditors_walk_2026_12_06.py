"""The auditors' web pages as an auditor's walk found them (2026-12-06): the disclosure log listing an agency's own
facts as disclosed to it, a search finding nothing said as "de 0 läsningar", a reversed period answered "Inga
träffar", a page past the end of the auditors' index shown as "Sida 999 av 1", a hand-edited ``efter`` met by the
generic 400 page, and the ledger's page naming a diverging case by its id alone."""

from __future__ import annotations

import re

import psycopg

from services.web import paging
from tests.integration.api.flows import ok, open_case, school_consented_case
from tests.integration.api.skew import web_as


def test_a_page_past_the_end_of_a_case_list_leads_to_its_last_page(client, users, tick, context, settings,
                                                                   monkeypatch):
    """"Sida 999 av 1": the auditors' index, as the caseworker's list, answers a page past its end with its last
    page (a redirect: the address then says the page shown)."""
    monkeypatch.setattr(paging, "LIST_PAGE", 2)
    for _ in range(3):
        open_case(client, users)
    for user, path, query, last in (("ivo", "/granskning", {}, "/granskning?sida=2"),
                                    ("soc-0180", "/arenden", {}, "/arenden?sida=2"),
                                    ("soc-0180", "/arenden", {"fas": "accepted"}, "/arenden?fas=accepted")):
        web = web_as(context, settings, user)
        past = web.get(path, params={**query, "sida": "999"}, follow_redirects=False)
        if query:   # a phase with no case: its one page, its filter kept
            assert past.status_code == 303 and past.headers["location"] == last, past.headers
            continue
        assert past.status_code == 303 and past.headers["location"] == last, (path, past.headers)
        shown = web.get(past.headers["location"]).text
        assert "Sida 2 av 2" in shown and "Sida 999" not in shown
        assert web.get(path, params={"sida": "2"}, follow_redirects=False).status_code == 200


def test_the_ledgers_page_names_a_diverging_case_by_its_number_linking_its_page(client, users, tick, context,
                                                                               settings, postgres):
    """As `sigill audit verify` does since 2026-12-05: the number from the case lists beside the id, the id alone
    having sent the auditor elsewhere to learn which case it is."""
    case_id = open_case(client, users)
    number = next(c["case_number"] for c in ok(client.get("/api/v1/cases", headers=users.social))["cases"]
                  if c["case_id"] == case_id)
    context.seal_ledger()
    with psycopg.connect(postgres.conninfo(), autocommit=True) as conn:
        conn.execute("UPDATE sigill_events SET state = state || '\\x00'::bytea WHERE originator_id = %s AND"
                     " originator_version = 1", (case_id,))
    page = web_as(context, settings, "ivo").get("/granskning/liggaren").text
    assert f"(ärende {case_id}, händelse 1 i ärendets historik)" in page, page[-3000:]
    assert (f'<p id="diverging-case">Ärendet är <a href="/granskning/arenden/{case_id}">{number}</a> (ärende-id'
            f" {case_id}; numret ur ärendelistan).</p>") in page, page[-3000:]
