"""The auditors' index pages newest first: a case opened while an auditor pages comes first and, by an offset, moved
every row down one — the last row of page 1 shown again on page 2.  Each page starts after the last row shown (its
case number, a keyset), on the command line (`sigill audit cases`) and the web's Granskning alike; still one
access-log entry a page, of no case."""

from __future__ import annotations

import html
import re
from collections import Counter
from contextlib import contextmanager

import psycopg

from services import cli_audit
from services.access_entry import AccessQuery
from services.case_audit import CASE_INDEX
from services.cli_audit import command_line_reader
from services.web import paging
from tests.integration.api.flows import ok, open_case
from tests.integration.api.skew import web_as

NUMBER = re.compile(r"\d{4}-\d{4}-\d{4}")
CASE_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
ROW = re.compile(r"<tr><td>(\d{4}-\d{4}-\d{4})")   # a row of the web's index, by its number


def _rows(page: str) -> list[str]:
    return ROW.findall(page)


def _numbers(client, users) -> set[str]:
    return {c["case_number"] for c in ok(client.get("/api/v1/cases", headers=users.social))["cases"]}


def _index_entries(context) -> list[str]:
    return [r.entry.what for r in context.cases.access_log.search(AccessQuery(case_id=CASE_INDEX, limit=100))]


def test_audit_cases_lists_each_case_once_though_one_is_opened_between_its_pages(client, users, context,
                                                                                monkeypatch, capsys):
    for _ in range(3):
        open_case(client, users)
    there = _numbers(client, users)
    service, listed = context.cases, context.cases.audit_case_index

    def opening_one_after_the_first_page(*args, **kwargs):
        index = listed(*args, **kwargs)
        if len(_index_entries(context)) == 1:
            open_case(client, users)   # a caseworker opens a case while the auditor's command pages
        return index

    _command_pages_with(monkeypatch, service, opening_one_after_the_first_page, page=2)
    assert cli_audit._cases(None) == 0
    printed = Counter(NUMBER.findall(capsys.readouterr().out))
    assert set(printed) >= there and all(n == 1 for n in printed.values()), printed
    assert [what.split(":")[1:3] for what in _index_entries(context)] == [["1", "2"], ["2", "1"]]


def test_audit_cases_lists_every_case_once_though_the_unnumbered_row_a_page_ended_at_is_gone_before_the_next(
        client, users, app, context, postgres, monkeypatch, capsys):
    """A row without a number names the page after it by its id: its place among such rows (an empty number before
    none) is the cursor's own, not looked up in the list — where the row, erased between pages, is no longer."""
    for _ in range(5):
        open_case(client, users)
    ok(client.get("/api/v1/cases", headers=users.social))   # the views caught up
    with psycopg.connect(postgres.conninfo(), autocommit=True) as conn:
        ids = [r[0] for r in conn.execute("SELECT case_id FROM view_cases WHERE agency = %s ORDER BY case_id",
                                          (app.catalogue.lead_agency,))]
        conn.execute("UPDATE view_cases SET case_number = NULL WHERE case_id = ANY(%s)", (ids[:3],))
        conn.execute("UPDATE view_cases SET case_number = '' WHERE case_id = %s", (ids[3],))
    service, listed = context.cases, context.cases.audit_case_index

    def erasing_each_unnumbered_row_once_shown(*args, **kwargs):
        index = listed(*args, **kwargs)
        with psycopg.connect(postgres.conninfo(), autocommit=True) as conn:
            conn.execute("DELETE FROM view_cases WHERE case_id = ANY(%s) AND coalesce(case_number, '') = ''",
                         ([r["case_id"] for r in index.rows],))
        return index

    _command_pages_with(monkeypatch, service, erasing_each_unnumbered_row_once_shown, page=1)
    assert cli_audit._cases(None) == 0
    printed = Counter(CASE_ID.findall(capsys.readouterr().out))
    assert printed == Counter(str(i) for i in ids), printed


def test_the_web_index_pages_past_unnumbered_rows_by_their_cursors_though_the_row_is_gone_since(
        client, users, app, context, settings, postgres, monkeypatch):
    """An empty number's row is named ``tomt-<id>``, one with none by its id; the page after either is there when
    the row was erased since (the link followed after it left the list)."""
    monkeypatch.setattr(paging, "LIST_PAGE", 1)
    for _ in range(4):
        open_case(client, users)
    ok(client.get("/api/v1/cases", headers=users.social))   # the views caught up
    with psycopg.connect(postgres.conninfo(), autocommit=True) as conn:
        ids = [str(r[0]) for r in conn.execute("SELECT case_id FROM view_cases WHERE agency = %s ORDER BY case_id",
                                               (app.catalogue.lead_agency,))]
        conn.execute("UPDATE view_cases SET case_number = NULL WHERE case_id = ANY(%s)", (ids[:2],))
        conn.execute("UPDATE view_cases SET case_number = '' WHERE case_id = %s", (ids[2],))
    ivo, address, seen, links = web_as(context, settings, "ivo"), "", [], []
    while (page := ivo.get("/granskning" + address)).status_code == 200:
        seen += re.findall(r'href="/granskning/arenden/([0-9a-f-]{36})"', page.text)
        onward = re.search(r'<a href="([^"]*)" rel="next">', page.text)
        if onward is None:
            break
        links.append(address := html.unescape(onward.group(1)))
    assert seen == [ids[3], ids[2], ids[0], ids[1]], seen
    assert links[1:] == [f"?efter=tomt-{ids[2]}&sida=3", f"?efter={ids[0]}&sida=4"], links
    for link, gone, after in ((links[1], ids[2], ids[0]), (links[2], ids[0], ids[1])):
        with psycopg.connect(postgres.conninfo(), autocommit=True) as conn:   # erased since its page was shown
            conn.execute("DELETE FROM view_cases WHERE case_id = %s", (gone,))
        page = ivo.get("/granskning" + link, follow_redirects=False)
        assert page.status_code == 200, (link, page.status_code, page.headers.get("location"))
        assert re.findall(r'href="/granskning/arenden/([0-9a-f-]{36})"', page.text) == [after], link


def test_the_web_index_s_next_page_starts_after_the_last_row_shown_though_a_case_was_opened(
        client, users, context, settings, monkeypatch):
    monkeypatch.setattr(paging, "LIST_PAGE", 2)
    for _ in range(3):
        open_case(client, users)
    there = _numbers(client, users)
    ivo = web_as(context, settings, "ivo")
    first = ivo.get("/granskning")
    open_case(client, users)   # between page 1 and page 2
    onward = html.unescape(re.search(r'<a href="([^"]*)" rel="next">', first.text).group(1))
    second = ivo.get("/granskning" + onward)
    assert second.status_code == 200
    seen = Counter(_rows(first.text) + _rows(second.text))
    assert set(seen) == there and all(n == 1 for n in seen.values()), seen
    assert [what.split(":")[1:3] for what in _index_entries(context)] == [["1", "2"], ["2", "1"]]


def test_the_web_index_s_page_before_ends_before_its_first_row(client, users, context, settings, monkeypatch):
    """Back from page 3 to 2 by ``fore``; back to page 1, a case opened since leads it (the first page as it is)."""
    monkeypatch.setattr(paging, "LIST_PAGE", 2)
    for _ in range(5):
        open_case(client, users)
    newest_first = sorted(_numbers(client, users), reverse=True)
    ivo = web_as(context, settings, "ivo")
    third = ivo.get("/granskning", params={"efter": newest_first[3], "sida": "3"}).text
    assert _rows(third) == newest_first[4:] and "Sida 3 av 3" in third
    back = html.unescape(re.search(r'<a href="([^"]*)" rel="prev">', third).group(1))
    assert back == f"?fore={newest_first[4]}&sida=2"
    assert _rows(ivo.get("/granskning" + back).text) == newest_first[2:4]
    open_case(client, users)
    start = ivo.get("/granskning", params={"fore": newest_first[2]}).text
    assert _rows(start) == sorted(_numbers(client, users), reverse=True)[:2] and "Sida 1 av 3" in start


def test_a_page_after_a_row_without_its_number_is_told_by_its_place_and_links_the_page_before(
        client, users, context, settings, monkeypatch):
    """``?efter=`` without ``sida`` (a link edited by hand, or kept from before pages were numbered) is not page 1."""
    monkeypatch.setattr(paging, "LIST_PAGE", 2)
    for _ in range(5):
        open_case(client, users)
    newest_first = sorted(_numbers(client, users), reverse=True)
    ivo = web_as(context, settings, "ivo")
    for after, shown, label in ((1, newest_first[2:4], "Sida 2 av 3"), (0, newest_first[1:3], "Sida 2 av 3"),
                                (3, newest_first[4:], "Sida 3 av 3")):
        page = ivo.get("/granskning", params={"efter": newest_first[after]}).text
        assert _rows(page) == shown and label in page, (after, _rows(page))
        back = html.unescape(re.search(r'<a href="([^"]*)" rel="prev">', page).group(1))
        assert back.startswith(f"?fore={shown[0]}"), back


def test_a_cursor_that_is_no_case_number_nor_id_is_named_not_said_back(client, users, context, settings):
    ivo = web_as(context, settings, "ivo")
    for name in ("efter", "fore"):
        for edited in ("20090314-2388", "abc", "2009-0314-2388"):
            page = ivo.get("/granskning", params={name: edited})
            assert page.status_code == 422 and "2388" not in page.text, (name, edited)
    assert ivo.get("/granskning", params={"efter": "0180-2026-0001", "fore": "0180-2026-0001"}).status_code == 422


def test_a_page_after_the_last_row_leads_to_the_last_page(client, users, context, settings, monkeypatch):
    monkeypatch.setattr(paging, "LIST_PAGE", 2)
    for _ in range(3):
        open_case(client, users)
    oldest = min(_numbers(client, users))
    past = web_as(context, settings, "ivo").get("/granskning", params={"efter": oldest, "sida": "3"},
                                                follow_redirects=False)
    assert past.status_code == 303 and past.headers["location"] == "/granskning?sida=2"


def _command_pages_with(monkeypatch, service, index, page: int) -> None:
    """`sigill audit cases` run in this process on the test's service, its index read through ``index``, ``page``
    rows a page."""
    @contextmanager
    def as_reader():
        yield service, command_line_reader(), None, None

    monkeypatch.setattr(service, "audit_case_index", index)
    monkeypatch.setattr(cli_audit, "as_reader", as_reader)
    monkeypatch.setattr(cli_audit, "INDEX_PAGE", page)
