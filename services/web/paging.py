"""The case lists a page at a time: each case a list shows is a read of it, logged (``CaseService.case_page``), so a
list shows what one reads at a sitting — not every case of a municipality, or of the installation for an auditor,
on each opening."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode
from uuid import UUID

from domain.case_numbers import as_written, is_case_number

from services.ports import IndexCursor, Unnumbered
from services.web.error_pages import QueryRefused

LIST_PAGE = 50   # cases a page


@dataclass(frozen=True)
class Pager:
    page: int
    pages: int
    previous: str | None   # the query string of the page before (None on the first)
    next: str | None       # of the page after (None on the last)


LAST_PAGE = 999_999   # a page asked for past it is read as it: past the end either way, answered with the last page


def page_number(typed: str) -> int:
    """``?sida=``: a page number from 1 (empty: the first); anything else (a link edited by hand) is a 422 naming
    ``sida`` (``error_pages.QueryRefused``) — it was the first page, said nowhere, as the access log's ``efter`` was."""
    typed = typed.strip()
    if not typed:
        return 1
    # ASCII and short: '²' is a digit to isdigit() and int() refuses it, as it does a number of 4,300 digits (a 500).
    if not (typed.isascii() and typed.isdigit() and len(typed) <= 19 and int(typed) > 0):
        raise QueryRefused("sida")
    return min(int(typed), LAST_PAGE)


def past_the_end(page: int, total: int, query: dict[str, str]) -> str | None:
    """The query string of the list's last page when ``page`` lies past it (a link kept while cases closed or moved
    on, or edited by hand), else None: the list answers with its last page, as a redirect, where it showed an empty
    "Sida 999 av 1".  Every case list does so (the caseworker's and the auditors'), ``query`` its filter and search
    kept (``case_search.Search.query``: never what was typed that is no case number)."""
    pages = max(1, -(-total // LIST_PAGE))
    return _link(pages, query) if page > pages else None


def _link(n: int, query: dict[str, str]) -> str:
    """Page ``n``'s query string, the list's filters kept (the first page's: the filters alone)."""
    kept = {k: v for k, v in query.items() if v}
    params = {**kept, "sida": n} if n > 1 else kept
    return "?" + urlencode(params) if params else ""


def pager(page: int, total: int, query: dict[str, str]) -> Pager | None:
    """The links between a list's pages, keeping its filters (``query``); None when one page holds the list."""
    pages = max(1, -(-total // LIST_PAGE))
    if pages == 1 and page == 1:
        return None

    def link(n: int) -> str:
        return "?" + urlencode({**{k: v for k, v in query.items() if v}, "sida": n})
    # A page past the end (a link kept while cases closed or moved on) leads back to the last page, not the one
    # before it: "Föregående sida" on page 999 of 1 led to page 998, as empty.
    return Pager(page, pages, link(min(page - 1, pages)) if page > 1 else None,
                 link(page + 1) if page < pages else None)


# A row with an empty case number in ``efter`` or ``fore``: its id after this (one with none: its id alone).
EMPTY_NUMBER = "tomt-"


def typed_cursor(typed: str, name: str) -> IndexCursor | None:
    """``?efter=`` or ``?fore=`` of the auditors' index: the case number of the row a page starts after or ends
    before, or the id of one without a number (``written_cursor``; empty: none); anything else is a 422 naming the
    field."""
    typed = typed.strip()
    if not typed:
        return None
    if as_written(typed) and is_case_number(typed):
        return typed
    no_number = not typed.startswith(EMPTY_NUMBER)
    written = typed if no_number else typed[len(EMPTY_NUMBER):]
    try:
        if len(written) == 36:
            return Unnumbered(UUID(written), no_number)
    except ValueError:
        pass
    raise QueryRefused(name)


def written_cursor(cursor: IndexCursor) -> str:
    """A cursor as ``typed_cursor`` reads it back."""
    if isinstance(cursor, Unnumbered):
        return str(cursor.case_id) if cursor.no_number else EMPTY_NUMBER + str(cursor.case_id)
    return cursor


def keyset_pager(page: int, total: int, first: Any, last: Any) -> Pager | None:
    """The links between the auditors' index's pages (``pager``'s), each page named by the row it starts after
    (``efter``) or ends before (``fore``) — ``first`` and ``last``, the page's own rows' cursors — with its number
    beside it for the "Sida 2 av 3" it shows: a link by number alone moved when a case was opened meanwhile, and
    showed a row twice or skipped one."""
    pages = max(1, -(-total // LIST_PAGE))
    if pages == 1 and page == 1:
        return None

    def link(cursor: tuple[str, Any], n: int) -> str:
        return "?" + urlencode({cursor[0]: written_cursor(cursor[1]), **({"sida": n} if n > 1 else {})})
    return Pager(page, pages, link(("fore", first), page - 1) if page > 1 and first is not None else None,
                 link(("efter", last), page + 1) if page < pages and last is not None else None)


def last_page(total: int, query: dict[str, str]) -> str:
    """The query string of a list's last page by number, its filters kept (as ``past_the_end``'s)."""
    return _link(max(1, -(-total // LIST_PAGE)), query)
