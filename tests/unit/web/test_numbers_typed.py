"""Numbers a browser sends back (a list's page, how many rows a form showed, a row's number in a field's name): a
hand-edited one that is not a small ASCII number is the default, never a 500.  '²' is a digit to str.isdigit()
and then int() refused it; a number of over 4,300 digits int() refuses too."""

from __future__ import annotations

import pytest

from services.web.forms import ROWS, Typed, slots
from services.web.paging import page_number

NOT_NUMBERS = ["²", "9" * 5000, "٣"]


@pytest.mark.parametrize("typed", NOT_NUMBERS, ids=["superscript", "5000 digits", "arabic-indic"])
def test_a_page_number_that_is_no_small_ascii_number_is_the_first_page(typed):
    assert page_number(typed) == 1


@pytest.mark.parametrize("typed", NOT_NUMBERS, ids=["superscript", "5000 digits", "arabic-indic"])
def test_rows_shown_that_is_no_small_ascii_number_counts_as_none(typed):
    assert slots(Typed([("rader", typed), ("fler_rader", "1")]), "rows", 0, 2) == range(3)


def test_a_row_number_of_thousands_of_digits_in_a_name_is_no_row():
    assert slots(Typed([("rows." + "9" * 5000 + ".goal", "Närvaro")]), "rows", 0, 2) == range(2)
    assert slots(Typed([("rows.4.goal", "Närvaro")]), "rows", 0, 2) == range(min(5, ROWS))


def test_a_page_number_still_reads():
    assert (page_number("3"), page_number("0"), page_number("")) == (3, 1, 1)
