"""The case lists a page at a time: each case a list shows is a read of it, logged (``CaseService.case_page``), so a
list shows what one reads at a sitting — not every case of a municipality, or of the installation for an auditor,
on each opening."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlencode
from uuid import UUID

from domain.case_numbers import as_written, is_case_number

from services.ports import IndexCursor, Unnumbered
from services.web.refusals import QueryRefused

if TYPE_CHECKING:
    from services.case_list_reads import ListPage

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
    ``sida`` (``refusals.QueryRefused``) — it was the first page, said nowhere, as the access log's ``efter`` was."""
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


# A row with an empty case number in ``efter`` or ``fore``: its id after this (one with none: its id alone).
EMPTY_NUMBER = "tomt-"


def typed_cursors(efter: str, fore: str) -> tuple[IndexCursor | None, IndexCursor | None]:
    """A list's ``?efter=`` and ``?fore=`` (``typed_cursor``), the page after a row or before one; both at once is a
    422 naming both."""
    after, before = typed_cursor(efter, "efter"), typed_cursor(fore, "fore")
    if after is not None and before is not None:
        raise QueryRefused("efter", "fore")
    return after, before


def typed_cursor(typed: str, name: str) -> IndexCursor | None:
    """``?efter=`` or ``?fore=`` of a case list (the caseworkers' and the auditors' index): the case number of the
    row a page starts after or ends before, or the id of one without a number (``written_cursor``; empty: none);
    anything else is a 422 naming the field."""
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


def keyset_pager(listed: ListPage, query: dict[str, str] | None = None) -> Pager | None:
    """The links between a newest-first list's pages (the caseworkers' and the auditors' index), keeping its filters
    (``query``), each page named by the row it starts after (``efter``) or ends before (``fore``) — the page's own
    first and last rows — with its number beside it for the "Sida 2 av 3" it shows: a link by number alone moved
    when a case was opened or closed meanwhile, and showed a row twice or skipped one.  None when one page holds
    the list.

    *Nästa sida* is there exactly when a row follows the page (``ListPage.more``, read past it), not worked out from
    the count, which moves with cases opened ahead of the page and rows gone before it: it hid the link while rows
    followed, or led past the last row.  The count only numbers the pages, as many as the rows read allow."""
    page, pages = listed.page, max(1, -(-listed.total // LIST_PAGE))
    pages = max(pages, page + 1) if listed.more else page
    first, last = listed.first_cursor(), listed.last_cursor()
    if pages == 1:
        return None
    kept = {k: v for k, v in (query or {}).items() if v}

    def link(name: str, cursor: IndexCursor, n: int) -> str:
        return "?" + urlencode({**kept, name: written_cursor(cursor), **({"sida": n} if n > 1 else {})})
    return Pager(page, pages, link("fore", first, page - 1) if page > 1 and first is not None else None,
                 link("efter", last, page + 1) if listed.more and last is not None else None)


def past_the_rows(listed: ListPage, after: IndexCursor | None, query: dict[str, str]) -> str | None:
    """Where an empty page of a list leads instead (``past_the_end``), its filters kept: a page by number past the
    end, or one after the last row (a link kept while rows closed or were erased), to the last page by number; None
    for a page that is empty because the list is (it read nothing, and logged nothing)."""
    if listed.rows:
        return None
    return past_the_end(listed.page, listed.total, query) if after is None else last_page(listed.total, query)


def last_page(total: int, query: dict[str, str]) -> str:
    """The query string of a list's last page by number, its filters kept (as ``past_the_end``'s)."""
    return _link(max(1, -(-total // LIST_PAGE)), query)
