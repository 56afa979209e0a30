"""The case lists' pages: links between them, keeping the list's filters."""

from __future__ import annotations

from services.web.paging import LIST_PAGE, pager


def test_a_page_past_the_end_leads_back_to_the_last_page():
    past = pager(999, 3 * LIST_PAGE, {"fas": "active"})
    assert past is not None and past.previous == "?fas=active&sida=3" and past.next is None


def test_a_middle_page_links_both_ways_and_one_page_needs_no_links():
    middle = pager(2, 3 * LIST_PAGE, {"fas": ""})
    assert middle is not None and (middle.previous, middle.next) == ("?sida=1", "?sida=3")
    assert pager(1, LIST_PAGE, {}) is None
