"""What a narrowing form sent takes from its consent, and one that changes nothing: ``consent_views``."""

from __future__ import annotations

from datetime import date, datetime, timezone

from domain.values import ConsentRecord, ScopeEntry
from services.web.consent_views import narrowing_change, narrowing_errors
from services.web.forms import Typed

SCOPE = (ScopeEntry("skola", ("case", "school")), ScopeEntry("polis", ("case",)))


def _record(valid_until: date | None) -> ConsentRecord:
    return ConsentRecord("c1", "young_person", SCOPE, "Samverkan", date(2026, 2, 1), valid_until, "written",
                         datetime(2026, 2, 1, tzinfo=timezone.utc), granted_scope=SCOPE)


def _sent(*scope: str, valid_until: str = "") -> Typed:
    return Typed([("scope", s) for s in scope] + [("valid_until", valid_until)])


def test_the_boxes_unticked_and_an_earlier_end_are_what_it_takes():
    change = narrowing_change(_record(date(2026, 12, 31)), _sent("skola:case", valid_until="2026-06-30"))
    assert change.removed == (("polis", "case"), ("skola", "school")) and change.ends == date(2026, 6, 30)
    assert not change.unchanged


def test_a_blank_or_the_same_end_keeps_it_and_a_later_or_unreadable_one_is_no_earlier_end():
    everything = ("skola:case", "skola:school", "polis:case")
    for end in ("", "2026-12-31"):
        assert narrowing_change(_record(date(2026, 12, 31)), _sent(*everything, valid_until=end)).unchanged, end
    for end in ("2027-01-31", "31/12"):
        change = narrowing_change(_record(date(2026, 12, 31)), _sent(*everything, valid_until=end))
        assert change.ends is None and not change.unchanged, end
    assert narrowing_change(_record(None), _sent(*everything)).unchanged
    assert narrowing_change(_record(None), _sent(*everything, valid_until="2026-06-30")).ends == date(2026, 6, 30)
    # A recipient the consent does not name is a widening, not "nothing changed": the domain says what it is.
    assert not narrowing_change(_record(None), _sent(*everything, "bup:health")).unchanged


def test_only_a_narrowing_that_changes_nothing_is_said_so_and_other_refusals_stand():
    same = _sent("skola:case", "skola:school", "polis:case")
    assert list(narrowing_errors(_record(None), same, {"confirm": "…"})) == ["scope"]
    assert narrowing_errors(_record(None), same, {"": "Ärendet har ändrats"}) == {"": "Ärendet har ändrats"}
    unticked = _sent("skola:case")
    assert narrowing_errors(_record(None), unticked, {"confirm": "…"}) == {"confirm": "…"}
