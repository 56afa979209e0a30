"""The calendar's part in a case: moments that change visibility with no one acting."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from domain import case_events as ev
from domain.calendar import end_of_day, start_of_day
from domain.case_rules import check_in_time_order
from domain.catalogue import Catalogue
from domain.values import Actor, CalendarMoment

if TYPE_CHECKING:
    from domain.case import Case

CALENDAR_USER = "system:kalender"


class CalendarCommands:
    def calendar_moments(self: Case) -> list[CalendarMoment]:
        """Every moment, past or future, at which the calendar alone changes what agencies may see.  A withdrawn
        consent has none: its first day or end changes nothing any more (the keeper recorded them as facts that
        said nothing, an auditor found)."""
        moments = [CalendarMoment(start_of_day(self.eighteenth_birthday), "turns_18")]
        for c in self.consents.values():
            if c.withdrawn_at is not None:
                continue
            moments.append(CalendarMoment(start_of_day(c.valid_from), "consent_starts", c.consent_id))
            if c.valid_until is not None:
                moments.append(CalendarMoment(end_of_day(c.valid_until), "consent_ends", c.consent_id))
        return sorted(moments, key=lambda m: m.at)

    def due_moments(self: Case, at: datetime) -> list[CalendarMoment]:
        """Moments after the case's latest event, up to ``at``: what a calendar keeper must record."""
        return [m for m in self.calendar_moments() if self.last_recorded_at < m.at <= at]

    def note_calendar(self: Case, *, at: datetime, catalogue: Catalogue) -> int:
        """Record the calendar moments that passed since the latest event; returns how many."""
        check_in_time_order(self.last_recorded_at, at)
        due = self.due_moments(at)
        if due:  # also on a closed case: what its members may see still changes with the calendar
            self._trigger(ev.CalendarPassed, at, Actor(catalogue.lead_agency, CALENDAR_USER), moments=tuple(due))
        return len(due)
