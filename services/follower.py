"""Keeps everything downstream of the event store current while it runs: views, ledger, calendar.

`sigill follow` runs this until stopped.  It polls the notification log every
fraction of a second (cheap: one indexed query) rather than holding a LISTEN
connection, so a database restart or a lost connection costs a retry with
back-off and a log line — never a dead follower.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Callable

from eventsourcing.persistence import PersistenceError

from services.audit import Ledger
from services.view_runner import ViewRunner

log = logging.getLogger("sigill.follow")


class Follower:
    def __init__(self, runner: ViewRunner, ledger: Ledger, *, interval: float = 0.2,
                 calendar_every: float = 60.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.runner, self.ledger = runner, ledger
        self.interval, self.calendar_every, self._clock = interval, calendar_every, clock

    def run(self, stop: threading.Event) -> None:
        """Until ``stop`` is set: catch the views up, seal the ledger, keep the calendar."""
        next_calendar, backoff = 0.0, self.interval
        while not stop.is_set():
            try:
                moved = self.step(calendar_due=self._clock() >= next_calendar)
                if self._clock() >= next_calendar:
                    next_calendar = self._clock() + self.calendar_every
                backoff = self.interval
                stop.wait(0 if moved else self.interval)
            except (PersistenceError, OSError) as error:
                kind = type(error).__qualname__  # the error's class only: its text could quote data
                log.warning("the database cannot be reached (%s); retrying in %.0f s", kind, backoff)
                stop.wait(backoff)
                backoff = min(backoff * 2, 30.0)

    def step(self, *, calendar_due: bool) -> int:
        """One round; returns how far the views moved (in notification positions)."""
        start = self.runner.position
        self.runner.catch_up()
        if calendar_due:
            self.runner.keep_calendar()  # catches up too: judge progress by position, not by return values
        moved = self.runner.position - start
        if moved:
            sealed = self.ledger.seal()
            log.info("views caught up to position %d; %d events sealed", start + moved, sealed)
        return moved
