"""Keeps everything downstream of the event store current while it runs: views, ledger, calendar, feeds.

`sigill follow` runs this until stopped.  It is woken as soon as an event is
recorded (``listen``: LISTEN/NOTIFY on the events table's channel, in a thread
of its own) and polls the notification log every fraction of a second as well
(cheap: one indexed query), so a database restart or a lost LISTEN connection
costs latency, a retry with back-off and a log line — never a dead follower nor
a missed event.  When Kafka is configured, the feed publisher runs in a thread
of its own, handed each batch the views commit (and woken when another process
moved them), so an unreachable broker delays only the feeds, never the views or
the ledger.  Erased cases (a destroyed key is no
event) are noticed on the calendar round and told to every agency's feed.

With a ``lock`` (what ``build_follower`` gives it), a follower works only while it holds the database's
follower lock: the others — a second host's `sigill serve`, a `sigill follow` beside it — stand by and take
over when the holder's session ends.
"""

from __future__ import annotations

import logging
import threading
import traceback
import time
from typing import Callable, Protocol

from eventsourcing.persistence import PersistenceError

from domain.disclosure import RULES_VERSION
from services.audit import Ledger
from services.errors import DamagedDataKey, MasterKeyReplaced
from services.feed_publisher import FeedPublisher
from services.ports import ViewsUnderOtherRules
from services.view_runner import ViewRunner

log = logging.getLogger("sigill.follow")

Listener = Callable[[threading.Event, threading.Event], None]  # (wake, stop): sets wake when events are recorded


class WorkLock(Protocol):
    """Who of several followers on one database works (``gateways.follower_lock.FollowerLock``)."""

    def acquire(self, stop: threading.Event) -> bool: ...   # wait until held (True) or stopped (False)
    def held(self) -> bool: ...                              # still held: one round trip
    def release(self) -> None: ...


class Follower:
    def __init__(self, runner: ViewRunner, ledger: Ledger, *, interval: float = 0.2,
                 calendar_every: float = 60.0, clock: Callable[[], float] = time.monotonic,
                 publisher: FeedPublisher | None = None, listen: Listener | None = None,
                 erasures: Callable[[], int] | None = None, seal_every: float = 1.0,
                 lock: WorkLock | None = None, lock_check_every: float = 2.0) -> None:
        self.runner, self.ledger, self.publisher = runner, ledger, publisher
        self.lock, self.lock_check_every = lock, lock_check_every
        self.working = threading.Event()  # set while this follower does the work (always, without a lock)
        self.outdated = False  # the views were built by a newer version's rules: this one stops following
        self.interval, self.calendar_every, self._clock = interval, calendar_every, clock
        self.listen, self.erasures, self.seal_every = listen, erasures, seal_every
        self._unsealed = threading.Event()  # the views moved since the ledger was last sealed
        self._moved = threading.Event()  # wakes the publisher as soon as the disclosure log may have grown
        self._recorded = threading.Event()  # set by the listener when an event was recorded
        if publisher is not None:
            runner.written = publisher.offer  # what the views commit goes out without being read back

    def run(self, stop: threading.Event) -> None:
        """Until ``stop`` is set: catch the views up, seal the ledger, keep the calendar, publish the feeds —
        with a lock, only while holding it, standing by while another follower holds it."""
        if self.lock is None:
            self._work(stop)
            return
        while self.lock.acquire(stop):
            log.info("this follower keeps the views, the ledger, the calendar and the feeds of this database")
            working = threading.Event()
            guard = threading.Thread(target=self._guard, args=(stop, working), name="sigill-follower-lock",
                                     daemon=True)
            guard.start()
            try:
                self._work(working)
            finally:
                working.set()
                guard.join()
                self.lock.release()
            if self.outdated:
                return   # the lock is for the newer hosts' followers

    def _guard(self, stop: threading.Event, working: threading.Event) -> None:
        """End this round of work when ``stop`` is set or the lock is lost (its session ended: another follower
        may be working already), checking the lock every ``lock_check_every`` seconds."""
        assert self.lock is not None
        checked = self._clock()
        while not working.is_set():
            if stop.wait(min(0.2, self.lock_check_every)):
                break
            if self._clock() - checked >= self.lock_check_every:
                checked = self._clock()
                if not self.lock.held():
                    log.warning("the follower lock was lost (the database's session ended); standing by")
                    break
        working.set()

    def _work(self, stop: threading.Event) -> None:
        self.working.set()
        try:
            self._run_helpers_and_follow(stop)
        finally:
            self.working.clear()

    def _run_helpers_and_follow(self, stop: threading.Event) -> None:
        helpers = []
        if self.publisher is not None:
            helpers.append(threading.Thread(target=self.publisher.run, args=(stop, self._moved),
                                            name="sigill-feed-publisher", daemon=True))
        if self.listen is not None:
            helpers.append(threading.Thread(target=self.listen, args=(self._recorded, stop),
                                            name="sigill-event-listener", daemon=True))
        helpers.append(threading.Thread(target=self._seal, args=(stop,), name="sigill-ledger-sealer", daemon=True))
        for helper in helpers:
            helper.start()
        try:
            self._follow(stop)
        finally:
            stop.set()
            for helper in helpers:
                helper.join(timeout=30)
            if self._unsealed.is_set():
                self._seal_now()  # what moved in the last second is sealed too
            self.runner.close()

    def _seal(self, stop: threading.Event) -> None:
        """Seal the ledger at most every ``seal_every`` s, in a thread of its own: off the feed's path."""
        while not stop.wait(self.seal_every):
            if self._unsealed.is_set():
                self._seal_now()

    def _seal_now(self) -> None:
        self._unsealed.clear()
        try:
            sealed = self.ledger.seal()
            log.info("views at position %d; %d events sealed", self.runner.known_position, sealed)
        except (PersistenceError, OSError) as error:
            self._unsealed.set()  # try again next time
            log.warning("the ledger cannot be sealed now (%s)", type(error).__qualname__)

    def _follow(self, stop: threading.Event) -> None:
        next_calendar, backoff, rules_checked = 0.0, self.interval, False
        while not stop.is_set():
            try:
                if not rules_checked:
                    if not self._rebuild_under_todays_rules():
                        return   # a newer version's views: not this process's to follow
                    rules_checked = True
                self._recorded.clear()  # before the step: what is recorded during it wakes the next one
                # The calendar's round every minute; and at once when a moment the views know of has come (a
                # consent ending at midnight is out of every view then, not up to a minute later).
                moved = self.step(calendar_due=self._clock() >= next_calendar or self.runner.calendar_due())
                if self._clock() >= next_calendar:
                    next_calendar = self._clock() + self.calendar_every
                backoff = self.interval
                if not moved:
                    self._recorded.wait(self.interval)  # a notification, or the next poll
            except ViewsUnderOtherRules:
                # Another version's process recorded other rules since this one looked (a rolling upgrade's newer
                # follower rebuilt them; an older `sigill views rebuild`): looked at again, as at the start — a newer
                # version's are not followed, older ones are rebuilt.  Its batch was not written.
                rules_checked = False
            except (PersistenceError, OSError) as error:
                kind = type(error).__qualname__  # the error's class only: its text could quote data
                log.warning("the database cannot be reached (%s); retrying in %.0f s", kind, backoff)
                stop.wait(backoff)
                backoff = min(backoff * 2, 30.0)
            except MasterKeyReplaced as error:   # nothing is written with the old key: said until the restart
                log.error("%s", error)
                stop.wait(30.0)
            except DamagedDataKey as error:
                # The views may skip no event (a skipped withdrawal would leave its facts shown), so they wait at
                # this case's until its key's row is restored — said, and tried again, not the thread's death.
                # The message names the case by its random id only.
                log.error("%s; the agency views wait at that case's events until then (retrying in %.1f s)",
                          error, backoff)
                stop.wait(backoff)
                backoff = min(backoff * 2, 30.0)
            except Exception as error:   # the last resort: no one round's failure may end the thread
                # With the thread gone the views, the ledger's seals, the calendar and the feeds all stopped while
                # the API answered on (an erased case's moment did so until 2026-12-05).  Its class and where it
                # was raised, not its text, which could quote data.
                log.error("the follower's round failed (%s at %s); retrying in %.0f s", type(error).__qualname__,
                          _raised_at(error), backoff)
                stop.wait(backoff)
                backoff = min(backoff * 2, 30.0)

    def _rebuild_under_todays_rules(self) -> bool:
        """Views built under older disclosure rules may show what today's do not allow: built again, at once.
        Views a newer version built are left alone, and not followed (False): rebuilt under this older process's
        rules, they would show again what the newer rules stopped — as an upgrade rolls from host to host, an old
        follower restarting would undo it."""
        older = self.runner.built_under_other_rules()
        if older is None:
            return True
        if older > RULES_VERSION:
            self.outdated = True
            log.error("the views were built under disclosure rules %d, newer than this process's %d: not following"
                      " them (upgrade this host's Sigill; the newer hosts' followers keep them)", older, RULES_VERSION)
            return False
        log.warning("the views were built under disclosure rules %d, this is %d: rebuilding them (the feeds are"
                    " numbered anew; consumers deduplicate by event id)", older, RULES_VERSION)
        rebuilt = self.runner.rebuild(_every(50_000, lambda n: log.info("rebuilding the views: %d events", n)))
        self._unsealed.set()
        self._moved.set()
        log.info("the views are rebuilt under disclosure rules %d: %d events; the replaced disclosure log's %d rows"
                 " are kept (sigill views log --replaced); %d facts it left visible and these rules do not show are"
                 " ended", RULES_VERSION, rebuilt, self.runner.replaced_rows, self.runner.rules_ended)
        return True

    def step(self, *, calendar_due: bool) -> int:
        """One round; returns how far the views moved (in notification positions)."""
        start = self.runner.known_position  # where the last round left it: catch_up reads it afresh
        wrote = self.runner.catch_up()
        erased = 0
        if calendar_due:
            self.runner.keep_calendar()  # catches up too: judge progress by position, not by return values
            erased = self.erasures() if self.erasures is not None else 0
            wrote = 0
        moved = self.runner.known_position - start
        if erased:
            self._moved.set()
            log.info("%d erasure messages added to the agency feeds", erased)
        if moved:
            self._unsealed.set()
            if moved > wrote:
                # Someone else wrote some of it (an API worker's case list): the publisher reads the stored
                # feeds.  What this runner wrote it has offered already, and that woke the publisher.
                self._moved.set()
        return moved


def _every(step: int, say: Callable[[int], None]) -> Callable[[int], None]:
    """A progress callback that speaks once per ``step`` events, not once per batch."""
    said = [0]

    def progress(done: int) -> None:
        if done - said[0] >= step:
            said[0] = done
            say(done)
    return progress


def _raised_at(error: BaseException) -> str:
    """"services/view_runner.py:123 in keep_calendar": where an error was raised, for an operator's log."""
    frames = traceback.extract_tb(error.__traceback__)
    if not frames:
        return "an unknown place"
    last = frames[-1]
    return f"{'/'.join(last.filename.split('/')[-2:])}:{last.lineno} in {last.name}"
