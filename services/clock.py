"""Clocks: the system's, and a hand-moved one for the demo and for tests."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING

from domain.errors import ClockWentBackwards

if TYPE_CHECKING:
    from domain.case import Case
    from services.ports import Clock

log = logging.getLogger("sigill.clock")


def command_time(clock: Clock, case: Case) -> datetime:
    """The time a command on ``case`` is recorded at: now, or the case's latest event when our clock is behind it.

    Said in the log when it happens (a few seconds' skew between hosts is normal; more means a clock to fix)."""
    now = clock.now()
    try:
        at = case.recording_time(now)
    except ClockWentBackwards as refused:  # far behind: the command is refused (503), and operations must know
        log.error("command refused: %s", refused.message)
        raise
    if at != now:
        log.warning("clock %.3f s behind a case's latest event: recorded at that event's time",
                    (at - now).total_seconds())
    return at


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(timezone.utc)


class ManualClock:
    """Shows a set time; the demo moves it through the example's calendar."""

    def __init__(self, start: datetime) -> None:
        self._now = start

    def now(self) -> datetime:
        return self._now

    def set(self, when: datetime) -> None:
        self._now = when

    def advance(self, delta: timedelta) -> None:
        self._now += delta
