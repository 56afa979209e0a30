"""Keeps the agency views caught up with the event store: batches of notifications, exactly once.

Each batch's view changes and its tracking position are written in one
transaction (eventsourcing's ``Tracking``), so a crash or restart at any
point neither loses nor repeats an update: the next run starts after the
last committed position.  Only one runner may work on a view store at a time.
"""

from __future__ import annotations

import logging
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor, wait
from datetime import datetime
from typing import Any, Callable, Protocol

from eventsourcing.persistence import Tracking
from eventsourcing.utils import get_topic

from domain import case_events
from domain.case_events import CaseEvent, ReferralReceived
from domain.disclosure import RULES_VERSION
from domain.errors import CaseErased, DomainError
from projections.agency_views import AgencyViews, ViewUpdate
from services.application import CaseApplication
from services.build_workers import (PARALLEL_FROM, BuildWorkerFailed, BuildWorkers, WorkerRecipe, default_workers,
                                    spans)
from services.ports import ViewsMovedOn

log = logging.getLogger("sigill.views")

MOVED_ON_RETRIES = 5  # another writer keeps moving the views on: it is keeping them current, so stop trying
WRITES_AHEAD = 2  # batches judged and not yet written, at most, while catching up
BATCH = 2_000  # notifications per transaction: fewer round trips and commits while catching up
CASE_TOPICS = frozenset(
    get_topic(cls) for cls in vars(case_events).values()
    if isinstance(cls, type) and issubclass(cls, (CaseEvent, ReferralReceived)) and cls is not CaseEvent)


class ViewStore(Protocol):
    def apply(self, update: ViewUpdate, tracking: Tracking, start: int | None = None) -> Any: ...
    def prepare(self, update: ViewUpdate, building: bool = False) -> Any: ...
    def write(self, prepared: Any, tracking: Tracking, start: int | None = None) -> Any: ...
    def position_and_next(self, application_name: str, events: Any, limit: int,
                          catalogue: str | None = None) -> tuple[int, list[Any], bool, bool]: ...
    def due_for_calendar(self, lead: str, now: Any) -> list[Any]: ...
    def next_calendar_moment(self, lead: str) -> Any: ...
    def rules_version(self) -> int | None: ...
    def building_to(self) -> int | None: ...
    def building_alone(self) -> Any: ...
    def merged(self, batches: list[Any]) -> Any: ...
    def set_rules_version(self, version: int, building_to: int | None = None,
                          catalogue: str | None = None) -> None: ...
    def max_tracking_id(self, application_name: str) -> int | None: ...
    def clear(self, application_name: str, building_to: int = 0, *, renew_ids: bool = False,
              rules_version: int | None = None, catalogue: str | None = None) -> int: ...
    def finish_build(self, application_name: str, now: datetime) -> tuple[bool, Any]: ...


class ViewRunner:
    def __init__(self, app: CaseApplication, store: ViewStore, batch_size: int = BATCH) -> None:
        self.app, self.store, self.batch_size = app, store, batch_size
        self.views = AgencyViews(app.catalogue, self._history)
        app.keystore.when_destroyed(self.views.forget)   # erased: its fold leaves memory with the key
        self._known: int | None = None  # the position this runner last wrote or read; None: ask the store
        self._pools: dict[str, ThreadPoolExecutor] = {}
        self.written: Callable[[Any], None] = lambda log: None  # given each committed batch's log rows
        # The earliest calendar moment this runner has seen ahead in any case (from what it judged, and from the
        # store at each calendar round): when the calendar keeper is next due, to the minute or closer.
        self.next_moment: datetime | None = None
        self.replaced_rows = 0   # the disclosure log's rows the last rebuild kept as a replaced log
        self.rules_ended = 0     # the facts the last rebuild ended, that the replaced log had left visible
        self.build_due = False   # whether the build was still unfinished when ``finish_build`` last looked
        self._building = False   # the round under way writes while a build is under way
        # A build from the first event with at least ``parallel_from`` notifications to go is judged by
        # ``build_workers`` processes, each built by ``worker_recipe`` (``services.build_workers``); without a recipe
        # (a runner made by hand) or with one worker, by this runner alone.
        self.worker_recipe: WorkerRecipe | None = None
        self.build_workers = default_workers()
        self.parallel_from = PARALLEL_FROM
        self._alone_to: int | None = None   # where the build whose worker failed is going: it goes on without them

    @property
    def position(self) -> int:
        """The stored position (a query: another process may have moved it)."""
        self._known = self.store.max_tracking_id(self.app.name) or 0
        return self._known

    @property
    def known_position(self) -> int:
        """The position as this runner last read or wrote it (no query once known): behind the store when
        another process has written the views since."""
        return self.position if self._known is None else self._known

    def catch_up(self, progress: Callable[[int], None] = lambda n: None) -> int:
        """Process every notification after the tracked position; returns how many this call wrote."""
        done = [0]
        for _ in range(MOVED_ON_RETRIES):
            try:
                # Asked afresh each call: the server's workers also write the views (case lists), and a batch
                # judged from a stale position is refused only after all its work, and empties the cache.  The
                # position comes with the first notifications after it: one round trip, not two.
                position, page, building, unfinished = self.store.position_and_next(
                    self.app.name, self.app.recorder, self.batch_size, self.app.catalogue.digest)
                self._known = position
                if position == 0 and page and self.store.rules_version() is None:
                    self._first_build()
                    building = unfinished = True
                # A build another process began and did not finish is finished by whoever catches up; what a round
                # writes while one is under way is never published as it is (``WrittenLog.building``), so it is
                # prepared without the publisher's plaintexts — to the round's end, past where the build was going.
                self._building = building
                if building and page:
                    position, page = self._build_in_parallel(position, page, done, progress)
                written = self._catch_up_from(position, page, done, progress)
                if unfinished:
                    self.finish_build()
                return written
            except ViewsMovedOn:
                continue  # another process (the follower, another worker) wrote the views: go on from there
            except BuildWorkerFailed as failure:
                # What stops a worker (connections used up, another catalogue, a damaged key, memory) would stop
                # the next ones too, and the follower would start them at every round while the feeds stay closed:
                # this build goes on alone, from where the workers' spans were written — and a damaged key is then
                # met, and said, as the runner meets it.  The next rebuild tries workers again.
                log.warning("%s; the build goes on judged by this process alone", failure)
                self._alone_to = self.store.building_to()   # that build, not one another process begins later
                continue
        return done[0]

    def _first_build(self) -> None:
        """The first views ever, under today's rules; built over events already stored (a restore, an upgrade from
        before the views), so the feeds wait until they have reached today."""
        self.store.set_rules_version(RULES_VERSION, building_to=self.app.recorder.max_notification_id(),
                                     catalogue=self.app.catalogue.digest)

    def _catch_up_from(self, position: int, notifications: list[Any], done: list[int],
                       progress: Callable[[int], None]) -> int:
        # Three stages while catching up, each in a thread of its own: this one reads, decodes and judges a
        # batch; the next seals and names its rows (``prepare``); the last writes them (PostgreSQL works, psycopg
        # waits without the GIL).  With the sealing in the writer, Python stood idle while it waited.  Batches
        # are still written one at a time, in order, each with its tracking position in its own transaction, so
        # exactly-once is the store's as before; at most WRITES_AHEAD are judged and not yet written.  A round
        # of one short batch — the follower's usual one — is done in this thread: handing it on costs GIL
        # hand-overs and nothing overlaps.
        writing: deque[Future[int]] = deque()
        try:
            while notifications:
                cases = [n for n in notifications if n.topic in CASE_TOPICS]
                self.app.keystore.warm(n.originator_id for n in cases)  # one round trip, not one per case
                batch = [(n.id, self.app.mapper.to_domain_event(n)) for n in cases]
                update = self.views.process(batch)
                self._note_moments(update)
                while writing and (len(writing) >= WRITES_AHEAD or writing[0].done()):
                    done[0] += writing.popleft().result()
                    progress(done[0])
                last = len(notifications) < self.batch_size  # the head as the query saw it: no need to ask again
                args = (position, notifications[-1].id, len(notifications))
                position = notifications[-1].id
                if last and not writing:
                    done[0] += self._write(self.store.prepare(update, self._building), *args)
                    progress(done[0])
                    break
                prepared = self._pool("preparer").submit(self.store.prepare, update, self._building)
                writing.append(self._pool("writer").submit(self._write_when_prepared, prepared, *args))
                if last:
                    break
                notifications = self.app.recorder.select_notifications(
                    start=position, limit=self.batch_size, inclusive_of_start=False)
            while writing:
                done[0] += writing.popleft().result()
                progress(done[0])
        except BaseException:
            _count_written(writing, done)
            # What is in memory may be ahead of what was committed: forget it, the history is the truth.
            self.views.reset()
            self._known = None
            raise
        return done[0]

    def _build_in_parallel(self, position: int, page: list[Any], done: list[int],
                           progress: Callable[[int], None]) -> tuple[int, list[Any]]:
        """A build from the first event with far to go, judged by worker processes up to where it is going
        (``services.build_workers``); returns the position it wrote to and the first notifications after it, for the
        runner to go on alone.  Nothing happens — ``position`` and ``page`` come back as given — without a recipe for
        workers, with one worker, or with less than ``parallel_from`` notifications left."""
        workers = self.worker_recipe is not None and self.build_workers > 1
        end = self.store.building_to() if workers else None
        if end is None or end == self._alone_to or end - position < self.parallel_from:
            return position, page
        with self.store.building_alone() as alone:
            if not alone:   # another process builds them in parallel: this one judges alone, as before workers
                return position, page
            if (self.store.max_tracking_id(self.app.name) or 0) != position:  # one did, until it let go of the lock
                raise ViewsMovedOn("another process built the views further while this one waited to build them")
            return self._judged_by_workers(position, end, done, progress)

    def _judged_by_workers(self, position: int, end: int, done: list[int], progress: Callable[[int], None]
                           ) -> tuple[int, list[Any]]:
        ranges = spans(position, end, self.batch_size)
        writing: deque[Future[int]] = deque()
        try:
            with BuildWorkers(self.worker_recipe, self.build_workers, ranges, CASE_TOPICS) as workers:
                for (start, stop), shares in zip(ranges, workers.shares()):
                    batch = self.store.merged([share.batch for share in shares])
                    for share in shares:
                        self._note_moment(share.moment)
                    while writing and (len(writing) >= WRITES_AHEAD or writing[0].done()):
                        done[0] += writing.popleft().result()
                        progress(done[0])
                    writing.append(self._pool("writer").submit(self._write, batch, start, stop,
                                                               shares[0].notifications))
                while writing:
                    done[0] += writing.popleft().result()
                    progress(done[0])
        except BaseException:
            _count_written(writing, done)
            self._known = None
            raise
        return end, self.app.recorder.select_notifications(start=end, limit=self.batch_size, inclusive_of_start=False)

    def _note_moments(self, update: ViewUpdate) -> None:
        self._note_moment(update.earliest_moment(self.app.catalogue.lead_agency))

    def _note_moment(self, moment: datetime | None) -> None:
        if moment is not None:
            self.next_moment = moment if self.next_moment is None else min(self.next_moment, moment)

    def calendar_due(self) -> bool:
        """Whether a calendar moment this runner knows of has come (the keeper is due now, not at its round)."""
        return self.next_moment is not None and self.next_moment <= self.app.clock.now()

    def _pool(self, stage: str) -> ThreadPoolExecutor:
        """The one thread of a stage ("preparer", "writer"): one each, so batches keep their order."""
        pool = self._pools.get(stage)
        if pool is None:
            pool = self._pools[stage] = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"view-{stage}")
        return pool

    def _write_when_prepared(self, prepared: Future[Any], start: int, position: int, notifications: int) -> int:
        return self._write(prepared.result(), start, position, notifications)

    def _write(self, prepared: Any, start: int, position: int, notifications: int) -> int:
        written = self.store.write(prepared, Tracking(self.app.name, position), start)
        self._known = position
        if written.rows:
            self.written(written)   # a build's marked ``building`` by the store, as the batch was prepared
        return notifications

    def close(self) -> None:
        for pool in self._pools.values():
            pool.shutdown(wait=True)
        self._pools.clear()

    def rebuild(self, progress: Callable[[int], None] = lambda n: None, *, renew_ids: bool = False) -> int:
        """Throw the views away and build them again from the first event, under today's rules.  The replaced
        disclosure log is kept (``replaced_rows`` says how many rows): it is what the feeds carried.
        ``renew_ids``: after a restore of an older backup, every feed message and fact gets another id (the
        events that follow take the lost ones' places, and would take their ids)."""
        # Today's rules and catalogue recorded as the views are emptied, in one transaction: recorded after, a batch
        # another process judged under the rules before could land in between and be kept as built under today's.
        self.replaced_rows = self.store.clear(self.app.name, building_to=self.app.recorder.max_notification_id(),
                                              renew_ids=renew_ids, rules_version=RULES_VERSION,
                                              catalogue=self.app.catalogue.digest)
        self.rules_ended = 0
        self._alone_to = None   # a worker's failure in the build before is not this one's, even to the same head
        self.views.reset()
        self._known = None
        return self.catch_up(progress)   # which finishes the build once it is there

    def finish_build(self) -> int:
        """Once the views built from the first event (a rebuild, the first build over stored events) have reached
        where they were going (``store.finish_build``): the feeds are read again, and what the log a rebuild
        replaced left visible and today's rules do not show is ended, the ends published like any batch's rows.
        Asked after each catch-up whose round found a build unfinished (``position_and_next``) — by whichever
        process catches up, so a crash between a rebuild and its end leaves it to the next one.  Returns how many
        facts it ended."""
        self.build_due, written = self.store.finish_build(self.app.name, self.app.clock.now())
        if written is None:
            return 0
        self.rules_ended = len(written.rows)
        if written.rows:
            log.info("%d facts a replaced disclosure log left visible, which today's rules do not show, ended in the"
                     " agencies' feeds", self.rules_ended)
            self.written(written)
        return self.rules_ended

    def built_under_other_rules(self) -> int | None:
        """The rules' version the stored views were built under, when it is not today's (None when it is, or
        when there are no views yet: those are recorded as today's)."""
        stored = self.store.rules_version()
        if stored == RULES_VERSION:
            return None
        if stored is None and not self.store.max_tracking_id(self.app.name):
            self._first_build()   # nothing built yet: under today's rules from the start (a restore: stored events)
            return None
        return stored or 1   # views from before versions were recorded: version 1

    def keep_calendar(self) -> int:
        """Record, as facts, the calendar moments that have passed in every case, then catch up.

        Run it often (the server does, every minute): a consent that ends at midnight disappears
        from every view then, though no one touches the case."""
        self.catch_up()
        lead, now = self.app.catalogue.lead_agency, self.app.clock.now()
        recorded = sum(self._note_calendar(case_id) for case_id in self.store.due_for_calendar(lead, now))
        self.catch_up()
        ahead = self.store.next_calendar_moment(lead)  # every writer's cases, not only what this one judged
        # One due at this round's moment could not be recorded (its case erased, say): left to the minute's round,
        # not retried at every poll.  One that came after it (during the round) is kept: compared with a fresh
        # clock it was dropped too, and a consent ending then stayed visible until the minute's round.
        self.next_moment = ahead if ahead is not None and ahead > now else None
        return recorded

    def _note_calendar(self, case_id: Any) -> int:
        """The moments due in one case recorded; none in an erased case, which can record nothing more.  Its moment
        raised and ended the round — the cases after it unrecorded, the follower's thread gone before the erasure
        notices that take the case out of the lists — so every feed that carried it waited for ever."""
        try:
            return self.app.note_calendar(case_id).value
        except CaseErased:
            log.info("calendar: case %s is erased; its moments are left to its erasure notice", case_id)
            return 0
        except DomainError as error:
            # A caseworker's write to the case at the same moment (ConcurrentChange), or anything else the case
            # refuses now: the next round records it.  Raised, it ended the round and the follower's thread with it.
            log.warning("calendar: case %s not recorded this round (%s); the next round tries again", case_id,
                        error.code)
            return 0

    def _history(self, case_id: Any, version: int) -> list[Any]:
        return list(self.app.events.get(case_id, lte=version)) if version > 0 else []


def _count_written(writing: deque[Future[int]], done: list[int]) -> None:
    """Once a call has failed: nothing of it may still be writing, and what its writers committed before is counted
    (``catch_up`` says how many it wrote, and goes on from the stored position, past them)."""
    wait(list(writing))
    done[0] += sum(f.result() for f in writing if f.exception() is None)
