"""How Sigill's long-running processes tune the interpreter: GIL hand-over and garbage collection.

Every server worker, follower and `sigill views` process calls these once it has built what it keeps; here,
not in ``services.server``, so a command-line process does not import the web stack to get them.
"""

from __future__ import annotations

import gc
import sys
from contextlib import contextmanager
from typing import Iterator

# A thread whose database answer has arrived waits for the GIL until a busy thread gives it up: by default
# up to 5 ms, once per round trip — the access log's and the event store's writers queued behind request
# threads for most of their time, and in the follower the feed publisher and Kafka's sender thread behind the
# views' judging (feed latency at 200 commands/s, four pairs of runs: p99 61–112 ms against 62–190 ms with
# the default).  A shorter interval trades a little switching for that latency.
SWITCH_INTERVAL = 0.0005
# The views keep thousands of cases folded (facts, judges, visible sets: objects that live long) while making
# hundreds of thousands of short-lived ones a second.  At CPython's default (a young pass every 700 new objects)
# that grew the old generations fast enough for a full pass over the whole heap every couple of seconds: a
# third of the judging's time (bench/projections.py's judging, 19,600 events: 157 µs an event by default,
# 102 with these).  Unreachable cycles wait longer to be freed; there are few (the cases are trees).
GC_THRESHOLDS = (50_000, 20, 10)


def hand_over_promptly() -> None:
    """Let a thread whose I/O has completed have the GIL within ``SWITCH_INTERVAL`` (this whole process)."""
    sys.setswitchinterval(SWITCH_INTERVAL)


def settle_heap() -> None:
    """Leave what start-up built (modules, the application, the catalogue: alive until the process ends) out of
    the garbage collector's full passes, and make those passes rarer (``GC_THRESHOLDS``).  Walking all of it
    made each full pass about 0.1 s, during which a worker answered nothing — the slowest reads of a benchmark;
    after this, 7–10 ms."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


@contextmanager
def collector_paused() -> Iterator[None]:
    """No garbage collection while a long build of the views runs (a rebuild, `sigill views catch-up`): even at
    ``GC_THRESHOLDS`` its young passes walked the folds the views keep, each about 35 ms, 2.4 s in a 100,000-event
    rebuild — a tenth of it — and found nothing to free (the folds are trees; what a batch makes goes with its
    references).  Cycles made meanwhile wait for the collector's next pass after it.  This whole process: only
    for a command of its own, never around a server's round, whose requests' cycles would wait as long."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
