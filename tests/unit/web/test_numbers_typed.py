"""Numbers a browser sends back (a list's page, how many rows a form showed, a row's number in a field's name): a
hand-edited one that is not a small ASCII number is the default (a page number: a 422 naming it), never a 500.
'²' is a digit to str.isdigit() and then int() refused it; a number of over 4,300 digits int() refuses too."""

from __future__ import annotations

import pytest

from services.web.forms import ROWS, Typed, slots
from services.web.refusals import QueryRefused
from services.web.paging import LAST_PAGE, page_number

NOT_NUMBERS = ["²", "9" * 5000, "٣"]


@pytest.mark.parametrize("typed", [*NOT_NUMBERS, "0", "-1", "x"], ids=["superscript", "5000 digits", "arabic-indic",
                                                                     "zero", "negative", "letter"])
def test_a_page_number_that_is_no_ascii_number_is_refused_naming_sida(typed):
    """It was the first page, said nowhere (until 2026-12-05): now a 422 naming ``sida`` (``QueryRefused``)."""
    with pytest.raises(QueryRefused) as refused:
        page_number(typed)
    assert refused.value.names == ["sida"]


def test_a_page_number_past_any_list_is_the_last_page_asked_for_not_refused():
    assert (page_number(""), page_number("3"), page_number("9" * 19)) == (1, 3, LAST_PAGE)


@pytest.mark.parametrize("typed", NOT_NUMBERS, ids=["superscript", "5000 digits", "arabic-indic"])
def test_rows_shown_that_is_no_small_ascii_number_counts_as_none(typed):
    assert slots(Typed([("rader", typed), ("fler_rader", "1")]), "rows", 0, 2) == range(3)


def test_a_row_number_of_thousands_of_digits_in_a_name_is_no_row():
    assert slots(Typed([("rows." + "9" * 5000 + ".goal", "Närvaro")]), "rows", 0, 2) == range(2)
    assert slots(Typed([("rows.4.goal", "Närvaro")]), "rows", 0, 2) == range(min(5, ROWS))


def test_a_page_number_still_reads():
    assert (page_number("3"), page_number(" 2 "), page_number("")) == (3, 2, 1)
