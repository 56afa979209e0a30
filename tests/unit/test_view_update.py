"""What a batch's final view changes are: the last change of each (agency, fact) wins, and a fact both first
shown and ended within the batch leaves nothing to write (it was never in the view)."""

from datetime import datetime, timezone
from uuid import uuid4

from domain.disclosure import VisibilityChange
from domain.judge import OWNER
from domain.facts import Fact
from projections.agency_views import ViewUpdate

AT = datetime(2026, 3, 1, 12, tzinfo=timezone.utc)
CASE = uuid4()


def fact(fact_id: str) -> Fact:
    return Fact(fact_id, int(fact_id.split(".")[0]), "contribution", "school", "skola", AT, {})


def change(fact_id: str, what: str, minute: int = 0) -> tuple:
    return (CASE, VisibilityChange(AT.replace(minute=minute), "polis", fact(fact_id), what, OWNER), 1)


def test_a_fact_shown_and_ended_in_the_batch_is_neither_written_nor_deleted():
    update = ViewUpdate(log=[change("3", "disclosed"), change("3", "ended", 1)])
    assert update.final_facts() == {CASE: {}}


def test_a_fact_shown_before_the_batch_and_ended_in_it_is_deleted():
    update = ViewUpdate(log=[change("3", "basis_changed"), change("3", "ended", 1)])
    assert update.final_facts() == {CASE: {("polis", "3"): None}}
    assert ViewUpdate(log=[change("3", "ended")]).final_facts() == {CASE: {("polis", "3"): None}}


def test_a_fact_ended_and_shown_again_is_written_with_its_new_time():
    update = ViewUpdate(log=[change("3", "ended"), change("3", "disclosed", 5)])
    (shown, since), = update.final_facts()[CASE].values()
    assert (shown.change, since) == ("disclosed", AT.replace(minute=5))
    again = ViewUpdate(log=[change("3", "disclosed"), change("3", "ended", 1), change("3", "disclosed", 2)])
    assert again.final_facts()[CASE][("polis", "3")][1] == AT.replace(minute=2)
    gone = ViewUpdate(log=[change("3", "disclosed"), change("3", "ended", 1), change("3", "disclosed", 2),
                           change("3", "ended", 3)])
    assert gone.final_facts() == {CASE: {}}


def test_a_basis_change_keeps_the_stored_time():
    update = ViewUpdate(log=[change("3", "basis_changed")])
    assert update.final_facts()[CASE][("polis", "3")][1] is None


def test_a_cases_changes_split_by_another_cases_are_one_cases():
    """A batch's changes come in runs of one case, and a case's runs may be split by another's (events of several
    cases interleave): what the first run showed or ended still counts when the case comes back."""
    other = uuid4()
    elsewhere = (other, VisibilityChange(AT, "polis", fact("2"), "disclosed", OWNER), 2)
    update = ViewUpdate(log=[change("3", "disclosed"), change("4", "basis_changed"), elsewhere, change("3", "ended", 1),
                             change("5", "disclosed", 2)])
    final = update.final_facts()
    assert list(final) == [CASE, other]
    assert list(final[CASE]) == [("polis", "4"), ("polis", "5")]   # 3 shown and ended in the batch: nothing
    assert final[CASE][("polis", "4")][1] is None and final[CASE][("polis", "5")][1] == AT.replace(minute=2)
    assert list(final[other]) == [("polis", "2")]
