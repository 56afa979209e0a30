"""Keeps everything downstream of the event store current while it runs: views, ledger, calendar, feeds.

`sigill follow` runs this until stopped.  It polls the notification log every
fraction of a second (cheap: one indexed query) rather than holding a LISTEN
connection, so a database restart or a lost connection costs a retry with
back-off and a log line — never a dead follower.  When Kafka is configured, the
feed publisher runs in a thread of its own (woken whenever the views move), so an
unreachable broker delays only the feeds, never the views or the ledger.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Callable

from eventsourcing.persistence import PersistenceError

from services.audit import Ledger
from services.feed_publisher import FeedPublisher
from services.view_runner import ViewRunner

log = logging.getLogger("sigill.follow")


class Follower:
    def __init__(self, runner: ViewRunner, ledger: Ledger, *, interval: float = 0.2,
                 calendar_every: float = 60.0, clock: Callable[[], float] = time.monotonic,
                 publisher: FeedPublisher | None = None) -> None:
        self.runner, self.ledger, self.publisher = runner, ledger, publisher
        self.interval, self.calendar_every, self._clock = interval, calendar_every, clock
        self._moved = threading.Event()  # wakes the publisher as soon as the disclosure log may have grown

    def run(self, stop: threading.Event) -> None:
        """Until ``stop`` is set: catch the views up, seal the ledger, keep the calendar, publish the feeds."""
        publishing = None
        if self.publisher is not None:
            publishing = threading.Thread(target=self.publisher.run, args=(stop, self._moved),
                                          name="sigill-feed-publisher", daemon=True)
            publishing.start()
        try:
            self._follow(stop)
        finally:
            if publishing is not None:
                stop.set()
                publishing.join(timeout=30)

    def _follow(self, stop: threading.Event) -> None:
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
            self._moved.set()
            sealed = self.ledger.seal()
            log.info("views caught up to position %d; %d events sealed", start + moved, sealed)
        return moved
