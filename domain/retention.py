"""Retention (gallring): when a closed case is due for culling.

The period is the municipality's decision — by default five years after the case's last event, as social services'
personal records under SoL are kept.  A case is due when it is closed (a declined case too, once closed: until then it
is open) and the period has run out since its last entry — the last event someone recorded.  The calendar's facts
are the system's bookkeeping, not entries: recorded after the closure (a consent's end, an 18th birthday, which
disclose nothing any more under rules version 7) they would have kept a closed child's case until five years after
its 18th birthday.  SoL counts from "den sista anteckningen".  An open case is never due; an erased case (its key
destroyed) can no longer be read, and is no longer there to cull.

The period is counted in Stockholm calendar days, as the app counts an 18th birthday: the case is due from the start
of the day the period's years after its last event's date (29 February counting from 1 March in a common year).
Pure functions: no clock is read here, ``now`` is a parameter.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Sequence
from uuid import UUID

from domain.calendar import birthday, local_date, start_of_day
from domain.case_events import CalendarPassed, CaseClosed
from domain.erasure import ErasedEvent
from domain.values import Phase

DEFAULT_RETENTION_YEARS = 5


@dataclass(frozen=True)
class DueForCulling:
    """A case due for culling, as a list shows it: nothing that names the young person."""

    case_id: UUID
    case_number: str
    municipality: str
    closed_at: datetime
    last_event_at: datetime
    due_from: datetime
    closure_reason: str


def culling_due_from(last_event_at: datetime, years: int) -> datetime:
    """The instant (UTC) a closed case whose last event was at ``last_event_at`` becomes due for culling."""
    return start_of_day(birthday(local_date(last_event_at), years))


def is_due(phase: Phase, last_event_at: datetime, now: datetime, years: int) -> bool:
    """Whether a case in ``phase`` whose last event was at ``last_event_at`` is due for culling at ``now``."""
    return phase is Phase.CLOSED and now >= culling_due_from(last_event_at, years)


def last_entry_at(events: Sequence[Any]) -> datetime:
    """When the case's last entry was made: its last event that is not the calendar's (``CalendarPassed``)."""
    return next(e.timestamp for e in reversed(events) if not isinstance(e, CalendarPassed))


def due_for_culling(events: Sequence[Any], now: datetime, years: int) -> DueForCulling | None:
    """The case these events are the history of, if it is due for culling at ``now``; None if it is open, not due
    yet, or erased (its events tombstones)."""
    if not events or isinstance(events[0], ErasedEvent):
        return None
    case = None
    for event in events:
        case = event.mutate(case)
    last = last_entry_at(events)
    if not is_due(case.phase, last, now, years):
        return None
    closure = next(e for e in reversed(events) if isinstance(e, CaseClosed))
    return DueForCulling(case.id, case.case_number, case.municipality, closure.timestamp, last,
                         culling_due_from(last, years), closure.reason)
