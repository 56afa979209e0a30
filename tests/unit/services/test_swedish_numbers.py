"""Counts in Swedish sentences are grouped as Swedish writes them: "1 234 rader" (a narrow no-break space).
Python's ``:,`` wrote "1,234 rader", which a Swedish reader — an auditor reading `sigill audit verify`, the report
or the web's disclosure log — takes for one point two three four."""

from __future__ import annotations

from services import statistics_text, wording
from services.audit_text import own_facts_left_out
from services.cli_progress import progress_line
from services.web.pages import env
from services.wording import facts_count, swedish_number


def test_a_swedish_line_with_1_234_of_something_says_it_with_a_space():
    assert own_facts_left_out(1234).startswith("1\u202f234 rader om myndigheternas egna uppgifter")
    assert facts_count(1234) == "1\u202f234 uppgifter"
    assert progress_line("förseglat", 1234, None, 0.0) == "förseglat 1\u202f234 händelser …"
    assert wording.checkpoints_confirmed(1234).startswith("1\u202f234 ")


def test_the_web_pages_filter_writes_the_same():
    assert env.from_string("{{ 1234|number }} rader").render() == "1\u202f234 rader"


def test_small_numbers_medians_and_hidden_cells_as_before():
    assert (swedish_number(5), swedish_number(1_000_000), swedish_number(18.5), swedish_number(148.0)) == (
        "5", "1\u202f000\u202f000", "18,5", "148")
    assert (swedish_number("<5"), swedish_number("..")) == ("<5", "..")
    assert statistics_text.swedish_number is wording.swedish_number   # one function, where every text finds it
