"""The follow-up statistics in Swedish (``services.statistics_text``): what a hidden median says, and numbers on the
web page as Swedish writes them."""

from __future__ import annotations

import dataclasses
from datetime import date

from services import statistics_text as t
from tests.unit.domain.test_statistics import accepted_cases, planned, published_year


def five_plans_all_closed_with_their_goals_met() -> dict:
    """9 accepted, 5 with a plan of one row, all 5 closed with their goals met: the median of days to a first plan,
    over 5 plans, is hidden, as it would say the plans are 5 or more (README, *Everything at once*)."""
    plans = planned(5, "with_young_person", closed_on=date(2026, 5, 1), closure_reason="goals_met")
    return published_year([dataclasses.replace(f, plan_rows=f.plan_rows[:1]) for f in plans] + accepted_cases(4))


def test_a_median_hidden_over_five_cases_or_more_is_not_said_to_be_over_fewer():
    """It said "visas inte (färre än 5 ärenden)": untrue of a median hidden over 5 plans, and to a reader who
    believes it, a false bound.  The words are the same whichever reason hid it, so they tell neither."""
    shown = dict(t.medians(five_plans_all_closed_with_their_goals_met()))
    hidden = shown[t.MEDIANS["decision_to_first_plan"]]
    assert hidden is None
    said = t.median_text(hidden)
    assert "färre än 5 ärenden, eller" in said and "dolt antal" in said
    assert t.median_text(None) == said   # a median over fewer than 5 cases reads the same


def test_numbers_are_written_in_swedish_on_the_web_page_and_the_command_line_alike():
    assert (t.swedish_number(18.5), t.swedish_number(148.0), t.swedish_number(1234)) == ("18,5", "148", "1\u202f234")
    assert (t.swedish_number("<5"), t.swedish_number(".."), t.swedish_number(0)) == ("<5", "..", "0")
    assert t.median_text(1234.5) == "1\u202f234,5"   # the command line wrote "1,234.5"
