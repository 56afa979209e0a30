"""Wakes the follower as soon as an event is recorded: LISTEN on the events table's channel.

The recorder sends ``NOTIFY <channel>`` in every insert's transaction, so a
notification arrives when a command commits.  It is only a hint: the follower
still polls, so a lost connection (a database restart) costs latency until
the listener reconnects — never an event.
"""

from __future__ import annotations

import logging
import threading

import psycopg
from psycopg.sql import SQL, Identifier

log = logging.getLogger("sigill.follow")

RECONNECT = (0.5, 30.0)  # first and longest wait before listening again


class EventNotifications:
    """Sets ``wake`` on every notification on ``channel`` until ``stop`` is set (run it in a thread)."""

    def __init__(self, conninfo: str, channel: str, *, check_every: float = 0.5) -> None:
        self.conninfo, self.channel, self.check_every = conninfo, channel, check_every
        self.listening = threading.Event()  # for tests and benchmarks: the LISTEN is in place

    def run(self, wake: threading.Event, stop: threading.Event) -> None:
        backoff, lost = RECONNECT[0], False
        while not stop.is_set():
            try:
                with psycopg.connect(self.conninfo, autocommit=True) as conn:
                    conn.execute(SQL("LISTEN {}").format(Identifier(self.channel)))
                    self.listening.set()
                    wake.set()  # anything recorded while we were not listening is caught up now
                    if lost:   # the loss was warned of: its end is said too, or the warning stays the last word
                        log.info("event notifications heard again")
                    lost, backoff = False, RECONNECT[0]
                    while not stop.is_set():
                        for _ in conn.notifies(timeout=self.check_every):
                            wake.set()
            except psycopg.Error as error:  # the class only: its text could quote a statement
                self.listening.clear()
                lost = True
                log.warning("event notifications lost (%s); polling meanwhile, listening again in %.1f s",
                            type(error).__qualname__, backoff)
                stop.wait(backoff)
                backoff = min(backoff * 2, RECONNECT[1])
        self.listening.clear()
