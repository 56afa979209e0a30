"""A build of the agency views from the first event, judged by several processes at once.

Judging is Python, and one process judges on one core however many the machine has: a rebuild's rate was this
process's CPU an event (README, Benchmarks).  A build from the first event — `sigill views rebuild`, the first build
over events already stored, a follower's rebuild under new rules — that has at least ``PARALLEL_FROM``
notifications to go is therefore judged by worker processes, each a share of the cases (by the case's id, in the
query: ``gateways.build_reads``), so that all of a case's events are folded in one process, in order, as one
process folds them.

The range the build covers, up to where it is going (``view_rules.building_to``: the event log's head when it
began, every notification below it committed), is cut into spans of ids.  Each worker reads its cases'
notifications of every span, judges and prepares them as the runner itself would (``store.prepare``), and hands the
rows on (``store.portable``: the judged facts stay behind).  The runner joins the workers' rows for a span in
notification order (``store.merged``) and writes the span as one batch with its tracking position, in its own
transaction, as it writes any: exactly once, by one writer, each feed numbered under the log's lock.  A crash or a
failed worker leaves the views at the last span written, and the next catch-up goes on from there.  One process at
a time builds with workers (``store.building_alone``); any other catching up meanwhile judges alone, as before.

Workers are spawned, not forked: a fork would inherit this process's threads' locks and its connections.  Each builds
its own application from the same settings (``recipe``); one that reads another agency catalogue refuses to judge.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import queue
import threading
from multiprocessing.connection import wait as wait_for
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Iterator, Protocol

from services.runtime import collector_paused, settle_heap
from services.settings import ConfigurationError

log = logging.getLogger("sigill.views")

# A build with fewer notifications left is judged by the runner alone: a worker costs a process's start (about a
# second: the modules, the application) and holds its share of the folds, which one process would hold once.
PARALLEL_FROM = 50_000
MAX_WORKERS = 8   # beyond the cores PostgreSQL and the writer need, more only share the same cores
HANDED_AHEAD = 2  # spans a worker has judged and the runner not yet taken, at most (each a span's rows in memory)
WAIT = 0.5        # seconds between looks at whether a silent worker still runs


class BuildWorkerFailed(Exception):
    """A worker of a build in parallel stopped before its share was judged: the views stay at the last span
    written, and the runner goes on from there alone (``ViewRunner.catch_up``)."""


class WorkerRecipe(Protocol):
    """What a worker builds its parts from, in its own process (picklable: it crosses to the worker)."""

    def runner(self) -> Any: ...   # a ViewRunner on the same database, keystore and catalogue


@dataclass(frozen=True)
class Share:
    """One worker's part of a span: the span's notifications of every kind (the progress counts them), the rows of
    its own cases, and the earliest calendar moment ahead in the lead's rows it judged (None: none)."""

    notifications: int
    batch: Any
    moment: datetime | None


@dataclass(frozen=True)
class Failure:
    """A worker's error, in one line, handed on in place of its share."""

    what: str


def default_workers() -> int:
    """As many workers as cores, at most ``MAX_WORKERS``; one core judges alone."""
    return max(1, min(os.cpu_count() or 1, MAX_WORKERS))


def spans(position: int, end: int, size: int) -> list[tuple[int, int]]:
    """The (after, up to) ranges of notification ids from ``position`` (written) to ``end``, ``size`` ids each."""
    return [(start, min(start + size, end)) for start in range(position, end, size)]


class BuildWorkers:
    """The worker processes of one build in parallel: started on entering, stopped on leaving (its end, or a
    failure here or in a worker)."""

    def __init__(self, recipe: WorkerRecipe, count: int, ranges: list[tuple[int, int]], case_topics: frozenset[str]
                 ) -> None:
        self.recipe, self.count, self.ranges, self.case_topics = recipe, count, ranges, case_topics
        self._processes: list[Any] = []
        self._queues: list[Any] = []

    def __enter__(self) -> BuildWorkers:
        context = multiprocessing.get_context("spawn")
        try:
            for share in range(self.count):
                out = context.Queue(maxsize=HANDED_AHEAD)
                process = context.Process(target=judge_share, name=f"sigill-views-build-{share}", daemon=True,
                                          args=(self.recipe, share, self.count, self.ranges, self.case_topics, out))
                self._queues.append(out)
                process.start()
                self._processes.append(process)
        except BaseException:
            # ``with`` stops nothing whose start failed: the workers started would wait for ever on a full queue
            # (their runner lives on) — in the follower, more of them at every retry.
            self.__exit__()
            raise
        log.info("views: a build of %d notifications judged by %d processes", self.ranges[-1][1] - self.ranges[0][0],
                 self.count)
        return self

    def __exit__(self, *exc: object) -> None:
        for process in self._processes:
            if process.is_alive():
                process.terminate()
        for process in self._processes:
            process.join(timeout=10)
        for out in self._queues:
            out.cancel_join_thread()   # what a stopped worker left unread is dropped, not waited for
            out.close()

    def shares(self) -> Iterator[list[Share]]:
        """Each span's shares, one a worker, in span order."""
        for _ in self.ranges:
            yield [self._next(share) for share in range(self.count)]

    def _next(self, share: int) -> Share:
        process, out = self._processes[share], self._queues[share]
        while True:
            try:
                item = out.get(timeout=WAIT)
            except queue.Empty:
                if not process.is_alive():
                    raise BuildWorkerFailed(f"a worker of the views' build stopped (exit code {process.exitcode})"
                                            " before its cases were judged") from None
                continue
            if isinstance(item, Failure):
                raise BuildWorkerFailed(f"a worker of the views' build failed: {item.what}")
            return item


def judge_share(recipe: WorkerRecipe, share: int, shares: int, ranges: list[tuple[int, int]],
                case_topics: frozenset[str], out: Any) -> None:
    """A worker's whole life: its cases of every span judged, prepared and handed on in span order; or the first
    error, handed on in one line."""
    _stop_with_the_runner()
    try:
        runner = recipe.runner()
        app, views, store = runner.app, runner.views, runner.store
        lead = app.catalogue.lead_agency
        settle_heap()
        with collector_paused():   # the folds are trees: the collector's passes would walk them and free nothing
            for start, stop in ranges:
                count, mine = store.share_of_span(app.recorder, start, stop, share, shares, case_topics)
                app.keystore.warm(n.originator_id for n in mine)
                update = views.process([(n.id, app.mapper.to_domain_event(n)) for n in mine])
                batch = store.portable(store.prepare(update, building=True))
                out.put(Share(count, batch, update.earliest_moment(lead)))   # waits while the runner has no room
    except BaseException as error:   # noqa: BLE001 - whatever stops it is the runner's to report
        out.put(Failure(_said(error)))


def _said(error: BaseException) -> str:
    """A worker's error as the runner says it: its class, and its words only where they are ours to show (a
    configuration error's, such as another catalogue) — another's text could quote data (a case's content, a
    database value), as the follower's log lines avoid."""
    if isinstance(error, ConfigurationError):
        return f"{type(error).__qualname__}: {str(error).splitlines()[0] if str(error) else ''}"
    return type(error).__qualname__


def _stop_with_the_runner() -> None:
    """End this worker the moment the process that started it ends, killed or not: it would otherwise wait for ever
    for room on its queue, or to flush its last spans into a pipe no one reads."""
    started_by = multiprocessing.parent_process()

    def watch() -> None:
        wait_for([started_by.sentinel])
        os._exit(1)
    if started_by is not None:
        threading.Thread(target=watch, name="views-build-parent", daemon=True).start()
