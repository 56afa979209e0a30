"""Retention (gallring): a closed case is due for culling once the retention period has run out since its last event
— counted in Stockholm days, from the start of the day the period's years after; an open case never, an erased one
no longer."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from domain.calendar import start_of_day
from domain.erasure import ErasedEvent
from domain.retention import culling_due_from, due_for_culling, is_due
from domain.values import Phase
from domain.identity import luhn_check_digit
from tests.builders import CATALOGUE, SOCIAL, CaseStory, utc


def personnummer(born: date) -> str:
    return f"{born:%Y%m%d}-238{luhn_check_digit(born.strftime('%y%m%d') + '238')}"


BORN_1999 = personnummer(date(1999, 1, 2))   # 21 in 2020: no 18th birthday to come after these cases' closures
BORN_1990 = personnummer(date(1990, 1, 2))

CLOSED_AT = utc(2020, 3, 10)               # 10:00 in Stockholm, 2020-03-10
DUE_FROM = start_of_day(date(2025, 3, 10))   # 2025-03-09 23:00 UTC


def closed(at: datetime = CLOSED_AT, reason: str = "other", personnummer: str = BORN_1999) -> CaseStory:
    """A case of a young adult (no 18th birthday to come), accepted and closed at ``at``."""
    story = CaseStory(personnummer, start=at - timedelta(days=30), entry_route="known",
                      referring_agency="socialtjanst")
    story.accept()
    story.case.close(reason=reason, outcome="Avslutat.", by=SOCIAL, at=at, catalogue=CATALOGUE)
    return story


def test_the_period_runs_out_at_the_start_of_the_stockholm_day_five_years_after_the_last_event():
    assert culling_due_from(CLOSED_AT, 5) == DUE_FROM == datetime(2025, 3, 9, 23, tzinfo=timezone.utc)
    # Late in the evening in Stockholm is the next day in UTC's terms, not in the municipality's.
    assert culling_due_from(datetime(2020, 3, 10, 23, 30, tzinfo=timezone.utc), 5) == start_of_day(date(2025, 3, 11))


@pytest.mark.parametrize("now, due", [
    (DUE_FROM - timedelta(days=1), False),         # a day before
    (DUE_FROM - timedelta(microseconds=1), False),   # the last instant of the day before
    (DUE_FROM, True),                                # the period has run out: exactly five years, by the day
    (CLOSED_AT.replace(year=2025), True),            # five years to the hour
    (DUE_FROM + timedelta(days=1), True),            # a day after
])
def test_a_closed_case_is_due_at_the_boundary_and_not_a_day_before(now, due):
    found = due_for_culling(closed().events, now, 5)
    assert (found is not None) is due
    assert is_due(Phase.CLOSED, CLOSED_AT, now, 5) is due


def test_the_due_case_is_listed_by_its_number_dates_and_reason_and_never_by_whom_it_concerns():
    story = closed(reason="moved")
    found = due_for_culling(story.events, utc(2026, 1, 1), 5)
    assert (found.case_id, found.case_number, found.municipality) == (story.case.id, "0180-2026-0001", "0180")
    assert (found.closed_at, found.last_event_at, found.due_from, found.closure_reason) == (
        CLOSED_AT, CLOSED_AT, DUE_FROM, "moved")
    assert not any(secret in repr(found) for secret in ("Peter", "Exempel", BORN_1999, "19990102"))


def test_the_period_is_the_municipality_s():
    assert due_for_culling(closed().events, utc(2023, 3, 10), 3) is not None
    assert due_for_culling(closed().events, utc(2026, 3, 10), 10) is None


def test_an_open_case_is_never_due_however_old():
    story = CaseStory(BORN_1990, start=utc(2010, 1, 4), entry_route="known", referring_agency="socialtjanst")
    story.accept()
    assert story.case.phase is Phase.ACCEPTED
    assert due_for_culling(story.events, utc(2199, 1, 1), 5) is None
    assert not is_due(Phase.ACTIVE, utc(2010, 1, 4), utc(2199, 1, 1), 5)


def test_a_declined_case_is_open_until_closed_and_then_due_like_any_other():
    story = CaseStory(BORN_1990, start=utc(2015, 1, 5), entry_route="known", referring_agency="socialtjanst")
    story.case.decide_eligibility(accepted=False, reasons="Inte aktuell.", instruments=(), decided_on=date(2015, 1, 5),
                                  by=SOCIAL, at=story.at(), catalogue=CATALOGUE)
    assert story.case.phase is Phase.DECLINED
    assert due_for_culling(story.events, utc(2026, 1, 1), 5) is None
    story.case.close(reason="not_eligible", outcome="Inte aktuell.", by=SOCIAL, at=story.at(), catalogue=CATALOGUE)
    assert due_for_culling(story.events, utc(2026, 1, 1), 5).closure_reason == "not_eligible"


def test_an_erased_case_is_never_listed():
    story = closed()
    tombstones = [ErasedEvent(story.case.id, e.originator_version, "domain.case_events:X") for e in story.events]
    assert due_for_culling(tombstones, utc(2199, 1, 1), 5) is None
    assert due_for_culling([], utc(2199, 1, 1), 5) is None


def test_a_calendar_fact_after_the_closure_does_not_keep_the_case():
    """A 16-year-old's case closed in May 2026; the 18th birthday, 2027-03-14, is recorded on the closed case by the
    calendar keeper.  That is the system's bookkeeping, not an entry (SoL counts from "den sista anteckningen"): the
    five years run from the closure, not from the birthday."""
    story = CaseStory(start=utc(2026, 2, 2))   # born 2009-03-14
    story.accept()
    story.case.close(reason="other", outcome="Avslutat.", by=SOCIAL, at=utc(2026, 5, 1), catalogue=CATALOGUE)
    birthday = start_of_day(date(2027, 3, 14))
    assert story.case.note_calendar(at=birthday + timedelta(seconds=30), catalogue=CATALOGUE) == 1
    assert due_for_culling(story.events, start_of_day(date(2031, 4, 30)), 5) is None
    found = due_for_culling(story.events, start_of_day(date(2031, 5, 1)), 5)
    assert (found.closed_at, found.last_event_at) == (utc(2026, 5, 1), utc(2026, 5, 1))


def test_29_february_counts_from_1_march_in_a_common_year_as_a_birthday_does():
    assert culling_due_from(utc(2024, 2, 29), 5) == start_of_day(date(2029, 3, 1))
    assert culling_due_from(utc(2024, 2, 29), 4) == start_of_day(date(2028, 2, 29))
