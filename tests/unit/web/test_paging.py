"""The case lists' pages: links between them by a row (a keyset), keeping the list's filters; *Nästa sida* exactly
when a row follows the page, whatever the count says."""

from __future__ import annotations

from uuid import UUID

from services.case_list_reads import ListPage
from services.web.paging import LIST_PAGE, keyset_pager, past_the_rows

ROWS = [{"case_id": UUID(int=1), "case_number": "0180-2026-0009"},
        {"case_id": UUID(int=2), "case_number": "0180-2026-0008"}]


def test_a_middle_page_links_both_ways_by_its_rows_keeping_the_filter():
    middle = keyset_pager(ListPage(ROWS, 3 * LIST_PAGE, 2, more=True), {"fas": "active", "nummer": ""})
    assert middle is not None and middle.pages == 3
    assert (middle.previous, middle.next) == ("?fas=active&fore=0180-2026-0009",
                                              "?fas=active&efter=0180-2026-0008&sida=3")


def test_next_follows_the_row_read_past_the_page_not_the_count():
    """Rows gone before page 2 make the count say two pages; cases opened ahead of page 3 make it say four."""
    followed = keyset_pager(ListPage(ROWS, 2 * LIST_PAGE, 2, more=True), {})
    assert followed is not None and followed.next is not None and followed.pages == 3
    last = keyset_pager(ListPage(ROWS, 4 * LIST_PAGE, 3, more=False), {})
    assert last is not None and last.next is None and last.pages == 3


def test_one_page_needs_no_links():
    assert keyset_pager(ListPage(ROWS, 2, 1, more=False), {}) is None
    assert keyset_pager(ListPage([], 0, 1), {}) is None


def test_an_empty_page_leads_to_the_last_by_number_unless_the_list_is_empty():
    assert past_the_rows(ListPage([], 3 * LIST_PAGE, 999), None, {"fas": "active"}) == "?fas=active&sida=3"
    assert past_the_rows(ListPage([], 3 * LIST_PAGE, 2), "0180-2026-0001", {}) == "?sida=3"
    assert past_the_rows(ListPage([], 0, 1), None, {}) is None
    assert past_the_rows(ListPage(ROWS, 2, 1), None, {}) is None
