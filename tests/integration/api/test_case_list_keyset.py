"""The caseworkers' list (``/arenden``) pages by keyset as the auditors' index does: each page starts after the last
row shown (``?efter=``) or ends before the first (``?fore=``), so a case opened or closed while a caseworker pages
shifts no row across pages — by ``?sida=`` alone, a case opened showed the last row of page 1 again on page 2, and
one closed skipped a row.  On both lists *Nästa sida* is shown exactly when a row follows the page (one row more is
read than shown), not worked out from the list's count: rows gone before the page hid it early, cases opened before
it showed it where nothing followed.  Still one read logged for each case shown, none for the row read past it."""

from __future__ import annotations

import html
import re

import psycopg
import pytest

from services.web import paging
from tests.integration.api.flows import ok, open_case
from tests.integration.api.skew import web_as
from tests.integration.api.test_case_list_reads import list_reads

NUMBER = re.compile(r">(\d{4}-\d{4}-\d{4})<")
NEXT, PREVIOUS = re.compile(r'<a href="([^"]*)" rel="next">'), re.compile(r'<a href="([^"]*)" rel="prev">')


def _numbers(client, users) -> dict[str, str]:
    """Each case's number by its id, as the API lists them (the views caught up)."""
    return {c["case_id"]: c["case_number"] for c in ok(client.get("/api/v1/cases", headers=users.social))["cases"]}


def _shown(page: str) -> list[str]:
    return list(dict.fromkeys(NUMBER.findall(page)))


def _link(page: str, which: re.Pattern[str] = NEXT) -> str | None:
    found = which.search(page)
    return None if found is None else html.unescape(found.group(1))


def _close(client, users, case_id: str) -> None:
    ok(client.post(f"/api/v1/cases/{case_id}/closure", headers=users.social,
                   json={"reason": "other", "outcome": "Arbetet är avslutat."}))


def test_a_case_opened_and_one_closed_while_a_caseworker_pages_neither_repeat_nor_skip_a_row(
        client, users, context, settings, monkeypatch):
    """Pages of two, the list filtered on *Aktualiserad*: a case opened between pages 1 and 2 came first and moved
    every row down one (page 2 began with page 1's last row); a case of page 1 closed between pages 2 and 3 left
    the filter and moved every row up one (a row skipped).  The filter is kept on every link."""
    monkeypatch.setattr(paging, "LIST_PAGE", 2)
    cases = [open_case(client, users) for _ in range(7)]
    numbers = _numbers(client, users)
    newest_first = sorted(cases, key=numbers.__getitem__, reverse=True)
    before = {c: len(list_reads(context, c)) for c in cases}
    web = web_as(context, settings, "soc-0180")
    pages = [web.get("/arenden", params={"fas": "referred"}).text]
    opened = None
    while (onward := _link(pages[-1])) is not None:
        assert onward.startswith("?fas=referred&efter="), onward
        if len(pages) == 1:
            opened = open_case(client, users)   # a caseworker opens a case meanwhile
        elif len(pages) == 2:
            _close(client, users, newest_first[0])   # and one of page 1 is closed
        pages.append(web.get("/arenden" + onward).text)
        assert len(pages) < 10, pages[-1]
    seen = [n for page in pages for n in _shown(page)]
    assert seen == [numbers[c] for c in newest_first], seen
    assert len(pages) == 4 and "Sida 4 av 4" in pages[-1]
    # Each case shown read once; the row read past each page to know whether one follows is not read, nor the new one.
    assert {c: len(list_reads(context, c)) - before[c] for c in cases} == dict.fromkeys(cases, 1)
    assert opened is not None and list_reads(context, opened) == []


def test_the_caseworkers_page_before_ends_before_its_first_row_and_sida_alone_still_numbers_a_page(
        client, users, context, settings, monkeypatch):
    monkeypatch.setattr(paging, "LIST_PAGE", 2)
    for _ in range(5):
        open_case(client, users)
    newest_first = sorted(_numbers(client, users).values(), reverse=True)
    web = web_as(context, settings, "soc-0180")
    third = web.get("/arenden", params={"efter": newest_first[3], "sida": "3"}).text
    assert _shown(third) == newest_first[4:] and "Sida 3 av 3" in third and _link(third) is None
    back = _link(third, PREVIOUS)
    assert back == f"?fore={newest_first[4]}&sida=2", back
    second = web.get("/arenden" + back).text   # a row follows it (the one it ended before): asked, one row
    assert _shown(second) == newest_first[2:4] and _link(second) == f"?efter={newest_first[3]}&sida=3"
    kept = web.get("/arenden", params={"sida": "2"}).text   # a link kept from before: the second page by number
    assert _shown(kept) == newest_first[2:4] and _link(kept) == f"?efter={newest_first[3]}&sida=3"
    past = web.get("/arenden", params={"fas": "referred", "efter": newest_first[4], "sida": "4"},
                   follow_redirects=False)
    assert past.status_code == 303 and past.headers["location"] == "/arenden?fas=referred&sida=3"


@pytest.mark.parametrize("who, path, filtered", [("soc-0180", "/arenden", {"fas": "referred"}),
                                                 ("ivo", "/granskning", {})])
def test_next_is_shown_exactly_when_a_row_follows_the_page(client, users, app, context, settings, postgres,
                                                           monkeypatch, who, path, filtered):
    """Rows gone before the page (closed out of the filter, or erased from the index) made the count say page 2 was
    the last while a row followed it; cases opened before it made it say one followed the last row."""
    monkeypatch.setattr(paging, "LIST_PAGE", 2)
    cases = [open_case(client, users) for _ in range(5)]
    numbers = _numbers(client, users)
    newest_first = sorted(cases, key=numbers.__getitem__, reverse=True)
    web = web_as(context, settings, who)
    first = web.get(path, params=filtered).text
    for gone in newest_first[:2]:   # page 1's rows leave the list
        if path == "/arenden":
            _close(client, users, gone)
        else:
            with psycopg.connect(postgres.conninfo(), autocommit=True) as conn:
                conn.execute("DELETE FROM view_cases WHERE case_id = %s", (gone,))
    second = web.get(path + _link(first)).text
    assert _shown(second) == [numbers[c] for c in newest_first[2:4]]
    assert _link(second) is not None and "Sida 2 av 3" in second, second
    for _ in range(4):
        open_case(client, users)   # ahead of the rows paged through: the count says four pages
    third = web.get(path + _link(second)).text
    assert _shown(third) == [numbers[newest_first[4]]]
    assert _link(third) is None and "Sida 3 av 3" in third, third


@pytest.mark.parametrize("edited", ["20090314-2388", "abc", "2009-0314-2388", "tomt-19121212-1212", "9" * 5000])
def test_a_hand_edited_cursor_on_the_caseworkers_list_is_a_422_naming_it_never_saying_it_back(
        client, users, context, settings, edited):
    open_case(client, users)
    web = web_as(context, settings, "soc-0180")
    for name, label in (("efter", "Nästa sida (efter)"), ("fore", "Föregående sida (fore)")):
        page = web.get("/arenden", params={"fas": "referred", name: edited})
        assert page.status_code == 422 and label in html.unescape(page.text), (name, page.status_code)
        assert edited not in page.text and "2388" not in page.text
        assert "Adressen har ett värde för" in html.unescape(page.text)
    both = web.get("/arenden", params={"efter": "0180-2026-0001", "fore": "0180-2026-0001"})
    assert both.status_code == 422 and "Nästa sida (efter)" in html.unescape(both.text)


def test_a_cursor_of_no_row_in_the_caseworkers_list_pages_that_list_from_its_place(
        client, users, context, settings, monkeypatch):
    """A cursor is only a place in the list: another municipality's number, or one never given, pages the
    caseworker's own list from there, as a number between its rows would — nothing of another list is told."""
    monkeypatch.setattr(paging, "LIST_PAGE", 2)
    for _ in range(3):
        open_case(client, users)
    newest_first = sorted(_numbers(client, users).values(), reverse=True)
    web = web_as(context, settings, "soc-0180")
    for cursor in ("1480-2026-0001", "0180-2099-0001"):   # both above every number of Stockholm's list
        page = web.get("/arenden", params={"efter": cursor, "sida": "2"})
        assert page.status_code == 200 and _shown(page.text) == newest_first[:2], cursor
