"""The auditors' web pages as an auditor's walk found them (2026-12-05): the disclosure log listing an agency's own
facts as disclosed to it, a search finding nothing said as "de 0 läsningar", a reversed period answered "Inga
träffar", a page past the end of the auditors' index shown as "Sida 999 av 1", a hand-edited ``efter`` met by the
generic 400 page, and the ledger's page naming a diverging case by its id alone."""

from __future__ import annotations

import re

import psycopg

from services.web import paging
from tests.integration.api.flows import ok, open_case, school_consented_case
from tests.integration.api.skew import web_as


def test_the_disclosure_log_leaves_an_agencys_own_facts_out_and_says_how_many(client, users, tick, context,
                                                                               settings):
    """Social services' own referral and decisions were rows "lämnades ut" to social services, basis "egen uppgift"
    — while the report left them out as no disclosures.  Left out here too, with a line saying how many."""
    case_id, _ = school_consented_case(client, users, tick)
    ivo = web_as(context, settings, "ivo")
    page = ivo.get(f"/granskning/arenden/{case_id}/utlamnanden", params={"myndighet": "socialtjanst"})
    assert page.status_code == 200, page.text[:2000]
    assert "egen uppgift (myndigheten är ursprung)" not in page.text
    note = re.search(r'<p class="hint" id="own-facts">([^<]*)</p>', page.text)
    assert note and re.match(r"\d+ rader om myndigheternas egna uppgifter \(det myndigheten själv registrerade\) visas"
                             r" inte: en egen uppgift lämnas inte ut", note.group(1)), page.text[-3000:]
    # The school's rows are the family's consent's disclosures to it, listed as before.
    school = ivo.get(f"/granskning/arenden/{case_id}/utlamnanden", params={"myndighet": "skola"}).text
    assert "lämnades ut" in school and "egen uppgift (myndigheten är ursprung)" not in school


def test_an_access_log_search_finding_nothing_says_so_for_none(client, users, tick, context, settings):
    """"de 0 läsningar som visas här är de som skrevs": said for none shown, and for one."""
    school_consented_case(client, users, tick)
    ivo = web_as(context, settings, "ivo")
    nothing = ivo.get("/granskning/atkomstlogg", params={"myndighet": "bup"})
    assert nothing.status_code == 200 and "Inga träffar." in nothing.text
    assert "de 0 läsningar" not in nothing.text
    assert "Åtkomstloggen kontrollerad: ingen läsning saknas i loggen, och här visas ingen läsning." in nothing.text


def test_a_reversed_period_is_refused_naming_the_field(client, users, tick, context, settings):
    """Från after till answered "Inga träffar", as if no one had read then: said at the field, nothing searched.  A
    200: the address is the one the posted search's redirect leads to (both dates readable), a page of its own, as
    the case lists' messages are (``test_web_access_log_search``)."""
    school_consented_case(client, users, tick)
    ivo = web_as(context, settings, "ivo")
    page = ivo.get("/granskning/atkomstlogg", params={"fran": "2026-04-03", "till": "2026-04-02"})
    assert page.status_code == 200
    assert re.search(r'<p class="error" id="f-till-error"><span class="sr">Fel: </span>Till-datumet ligger före'
                     r" från-datumet: perioden är omvänd", page.text), page.text[-3000:]
    assert "Inga träffar" not in page.text
    same_day = ivo.get("/granskning/atkomstlogg", params={"fran": "2026-04-02", "till": "2026-04-02"})
    assert same_day.status_code == 200   # a day is from its start to its end


def test_a_hand_edited_efter_is_named_not_the_generic_400_page(client, users, tick, context, settings):
    ivo = web_as(context, settings, "ivo")
    for edited in ("abc", "-1", "²", "9" * 40):
        page = ivo.get("/granskning/atkomstlogg", params={"efter": edited})
        assert page.status_code == 422, (edited, page.status_code)
        assert 'id="f-efter-error"' in page.text and "värde för efter" in page.text, page.text[-2000:]
    assert ivo.get("/granskning/atkomstlogg", params={"efter": "3"}).status_code == 200


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
