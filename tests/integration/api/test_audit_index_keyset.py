"""The auditors' index pages newest first: a case opened while an auditor pages comes first and, by an offset, moved
every row down one — the last row of page 1 shown again on page 2.  Each page starts after the last row shown (its
case number, a keyset), on the command line (`sigill audit cases`) and the web's Granskning alike; still one
access-log entry a page, of no case."""

from __future__ import annotations

import html
import re
from collections import Counter
from contextlib import contextmanager

from services import cli_audit
from services.access_entry import AccessQuery
from services.case_audit import CASE_INDEX
from services.cli_audit import command_line_reader
from services.web import paging
from tests.integration.api.flows import ok, open_case
from tests.integration.api.skew import web_as

NUMBER = re.compile(r"\d{4}-\d{4}-\d{4}")
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

    @contextmanager
    def as_reader():
        yield service, command_line_reader(), None, None

    monkeypatch.setattr(service, "audit_case_index", opening_one_after_the_first_page)
    monkeypatch.setattr(cli_audit, "as_reader", as_reader)
    monkeypatch.setattr(cli_audit, "INDEX_PAGE", 2)
    assert cli_audit._cases(None) == 0
    printed = Counter(NUMBER.findall(capsys.readouterr().out))
    assert set(printed) >= there and all(n == 1 for n in printed.values()), printed
    assert [what.split(":")[1:3] for what in _index_entries(context)] == [["1", "2"], ["2", "1"]]


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
