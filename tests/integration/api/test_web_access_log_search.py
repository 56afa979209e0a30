"""The auditors' access-log search (Åtkomstlogg) is posted, so that what is typed as the case number (a personnummer,
by mistake) lands in no URL — and answered by a redirect to its GET page, as the case lists' boxes are: its own page,
a 200 with the reads or a 422 with the form's message, was the one the browser kept, and going back to it from a case
opened there asked to send the form again (Chromium: ERR_CACHE_MISS, the pages are ``no-store``).  The address carries
the fields that are what they should be, a refused one only by a fixed code (``fel``); the search, and the log's entry
of it, is the GET page's alone: once a search shown.  The page the redirect leads to is a 200 whatever it says at a
field, as the case lists' are; a 422 is an address's value the form never sends (a link edited by hand)."""

from __future__ import annotations

import html
import re
from urllib.parse import parse_qsl, urlsplit
from uuid import UUID

from services.web import routes_audit
from tests.integration.api.flows import BORN_2009_03_14 as PERSONNUMMER, ok, school_consented_case
from tests.integration.api.skew import web_as

LOG = "/granskning/atkomstlogg"


def _csrf(page: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', page).group(1)


def _main(page: str) -> str:
    """The page's own part, its random token left out (it could hold four digits by chance)."""
    return re.sub(r'name="csrf" value="[^"]+"', "", page.split("<main", 1)[-1])


def _searches_logged(context, case_id: str) -> int:
    """The auditors' searches of the log logged as reads of the case."""
    return sum(r.entry.what == "audit.access_log" for r in context.cases.access_log.extract(UUID(case_id)))


def _field_error(page: str, name: str) -> str:
    said = re.search(rf'<p class="error" id="f-{name}-error">(.*?)</p>', page, re.S)
    return html.unescape(said.group(1)) if said else ""


def _a_case_read_by_the_school(client, users, tick, context) -> tuple[str, str]:
    case_id, _ = school_consented_case(client, users, tick)
    ok(client.get(f"/api/v1/cases/{case_id}", headers=users.school))   # a read to find
    return case_id, context.cases.app.get_case(UUID(case_id)).case_number


def _an_auditor_at_the_log(client, users, tick, context, settings):
    """A case the school read, an auditor at the access log's form: (case id, its number, the auditor's client, the
    form's token, the searches of the case logged so far)."""
    case_id, number = _a_case_read_by_the_school(client, users, tick, context)
    ivo = web_as(context, settings, "ivo")
    return case_id, number, ivo, _csrf(ivo.get(LOG).text), _searches_logged(context, case_id)


def test_a_search_is_answered_by_a_redirect_and_logged_once_by_the_page_it_leads_to(
        client, users, tick, context, settings):
    case_id, number, ivo, csrf, before = _an_auditor_at_the_log(client, users, tick, context, settings)
    posted = ivo.post(LOG, follow_redirects=False, data={
        "csrf": csrf, "nummer": f" {number} ", "myndighet": "skola", "fran": "2000-01-01", "till": ""})
    assert posted.status_code == 303, (posted.status_code, posted.text[-1500:])
    assert posted.headers["location"] == f"{LOG}?nummer={number}&myndighet=skola&fran=2000-01-01"
    assert _searches_logged(context, case_id) == before   # the POST searched nothing, and logged nothing
    shown = ivo.get(posted.headers["location"])
    assert shown.status_code == 200 and f">{number}</a>" in shown.text and "<td>tidslinjen</td>" in shown.text
    assert re.search(rf'id="f-nummer" name="nummer" value="{number}"', shown.text)
    assert '<option value="skola" selected>' in shown.text and 'value="2000-01-01"' in shown.text
    assert _searches_logged(context, case_id) == before + 1   # once, by the page shown
    # Back to it from a case opened there is that GET again: a search shown again, logged again, as a reload is.
    assert ivo.get(posted.headers["location"]).status_code == 200
    assert _searches_logged(context, case_id) == before + 2
    # An empty search is the whole log's page.
    empty = ivo.post(LOG, data={"csrf": csrf, "nummer": "", "myndighet": "", "fran": "", "till": ""},
                     follow_redirects=False)
    assert empty.status_code == 303 and empty.headers["location"] == LOG
    # Without the form's token it is refused, as every posted form is, and leads nowhere.
    forged = ivo.post(LOG, data={"nummer": number}, follow_redirects=False)
    assert forged.status_code in (400, 403) and "location" not in forged.headers


def test_a_personnummer_typed_as_the_number_reaches_no_address_and_is_told_by_a_code(
        client, users, tick, context, settings):
    case_id, _, ivo, csrf, before = _an_auditor_at_the_log(client, users, tick, context, settings)
    for typed in (PERSONNUMMER, PERSONNUMMER.replace("-", ""), "Peter Exempel"):
        posted = ivo.post(LOG, follow_redirects=False, data={
            "csrf": csrf, "nummer": typed, "myndighet": "skola", "fran": "2026-01-01", "till": "2199-12-31"})
        assert posted.status_code == 303, (typed, posted.status_code)
        # The other fields kept, the number's only as the code of its message.
        assert posted.headers["location"] == f"{LOG}?myndighet=skola&fran=2026-01-01&till=2199-12-31&fel=inte_nummer"
        told = ivo.get(posted.headers["location"])
        assert told.status_code == 200   # the redirect's own page, as the case lists' ``?fel=inte_nummer``
        assert "Skriv ett ärendenummer" in _field_error(told.text, "nummer") and "Inga träffar" not in told.text
        assert re.search(r'id="f-nummer" name="nummer" value=""', told.text)
        assert '<option value="skola" selected>' in told.text and 'value="2199-12-31"' in told.text
        for text in (typed, PERSONNUMMER[-4:], "Exempel"):
            assert text not in posted.headers["location"] and text not in _main(told.text), text
    assert _searches_logged(context, case_id) == before   # refused: nothing searched, nothing logged


def test_a_date_or_reader_that_is_none_is_told_at_its_field_after_the_redirect(client, users, tick, context,
                                                                               settings):
    """A date the date field cannot send, an agency the list does not offer: a form edited by hand.  Not carried
    either, said at the field by code; a reversed period and a number given to no case are carried and said by the
    page (shaped as they should be, they are safe in the address)."""
    _a_case_read_by_the_school(client, users, tick, context)
    ivo = web_as(context, settings, "ivo")
    csrf = _csrf(ivo.get(LOG).text)
    posted = ivo.post(LOG, follow_redirects=False, data={
        "csrf": csrf, "nummer": PERSONNUMMER, "myndighet": "skola\x00<b>", "fran": "igår", "till": "2026-13-45"})
    assert posted.status_code == 303
    assert parse_qsl(urlsplit(posted.headers["location"]).query) == [
        ("fel", "inte_nummer"), ("fel", "okand_aktor"), ("fel", "fran_inte_datum"), ("fel", "till_inte_datum")]
    told = ivo.get(posted.headers["location"])
    assert told.status_code == 200   # the redirect's own page: the 4xx was the POST's, answered by the 303
    assert "Skriv ett ärendenummer" in _field_error(told.text, "nummer")
    assert _field_error(told.text, "myndighet").endswith("Välj en aktör.")
    for name in ("fran", "till"):
        assert _field_error(told.text, name).endswith("Ange ett datum som ÅÅÅÅ-MM-DD."), name
        assert re.search(rf'id="f-{name}" name="{name}" value=""', told.text), name
    for text in ("igår", "2026-13-45", "<b>", PERSONNUMMER[-4:]):
        assert text not in _main(told.text), text

    never = "0180-2026-9999"
    carried = ivo.post(LOG, follow_redirects=False, data={
        "csrf": csrf, "nummer": never, "myndighet": "", "fran": "2026-04-03", "till": "2026-04-02"})
    assert carried.headers["location"] == f"{LOG}?nummer={never}&fran=2026-04-03&till=2026-04-02"
    said = ivo.get(carried.headers["location"])
    assert said.status_code == 200 and _field_error(said.text, "nummer").endswith("Inget ärende med det numret.")
    assert "perioden är omvänd" in _field_error(said.text, "till") and "Inga träffar" not in said.text

    # The same values put in the address by hand are values the form never sends: a 422, each said at its field.
    for name, value in (("nummer", PERSONNUMMER), ("myndighet", "skola<b>"), ("fran", "igår"), ("till", "2026-13-45")):
        edited = ivo.get(LOG, params={name: value})
        assert edited.status_code == 422 and _field_error(edited.text, name), (name, edited.status_code)
    assert PERSONNUMMER[-4:] not in _main(ivo.get(LOG, params={"nummer": PERSONNUMMER}).text)


def test_a_message_code_edited_by_hand_is_refused_naming_it_and_a_value_beside_it_is_searched(
        client, users, tick, context, settings):
    _a_case_read_by_the_school(client, users, tick, context)
    ivo = web_as(context, settings, "ivo")
    for code in (PERSONNUMMER, "find_not_a_number", "<b>x</b>", "inte_nummer\x00", "x" * 5000):
        page = ivo.get(LOG, params=[("fel", "inte_nummer"), ("fel", code)])
        assert page.status_code == 422 and "Sökrutans meddelande (fel)" in _main(page.text), code[:20]
        assert code not in _main(page.text) and PERSONNUMMER[-4:] not in _main(page.text), code[:20]
    assert ivo.get(LOG, params={"fel": ""}).status_code == 200
    # A reader in the address is a search of its own: the code beside it is not its message.
    both = ivo.get(LOG, params={"myndighet": "skola", "fel": "okand_aktor"})
    assert both.status_code == 200 and "<td>tidslinjen</td>" in both.text and "Välj en aktör" not in both.text


def test_the_next_page_keeps_the_search_a_redirect_led_to(client, users, tick, context, settings, monkeypatch):
    """"Nästa sida" carries the search on, a moment's zone too: its link was the fields as the form showed them, cut
    to 20 characters and not encoded, so a moment's zone was lost ("…00:00:00+", the "+" read as a space) or the
    next page refused ("…00:00:00-")."""
    monkeypatch.setattr(routes_audit, "PAGE", 1)
    case_id, number = _a_case_read_by_the_school(client, users, tick, context)
    ok(client.get(f"/api/v1/cases/{case_id}", headers=users.school))   # a second read: a second page
    ivo = web_as(context, settings, "ivo")
    since = "2000-01-01T00:00:00+01:00"
    posted = ivo.post(LOG, follow_redirects=False, data={
        "csrf": _csrf(ivo.get(LOG).text), "nummer": number, "myndighet": "skola", "fran": since, "till": ""})
    first = ivo.get(posted.headers["location"])
    assert first.status_code == 200, _main(first.text)[-2000:]
    link = html.unescape(re.search(r'<a href="([^"]+)">Nästa sida</a>', first.text).group(1))
    query = dict(parse_qsl(urlsplit(link).query))
    assert urlsplit(link).path == LOG and query["nummer"] == number and query["fran"] == since
    assert query["myndighet"] == "skola" and query["efter"].isdigit()
    second = ivo.get(link)
    assert second.status_code == 200 and f">{number}</a>" in second.text, _main(second.text)[-2000:]
    seqs = [re.findall(r"<tr><td>(\d+)</td>", p.text) for p in (first, second)]
    assert len(seqs[0]) == len(seqs[1]) == 1 and int(seqs[1][0]) > int(seqs[0][0])
