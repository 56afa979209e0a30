"""The server process: the API (and web client) over the configured database, ready for uvicorn.

``create_server`` is the factory uvicorn calls in each worker process; the
follower (views, ledger seals, calendar) runs once, beside the workers.
"""

from __future__ import annotations

import gc
import logging
import sys
import threading
from contextlib import asynccontextmanager, contextmanager
from typing import AsyncIterator, Iterator

import psycopg

from fastapi import FastAPI

from services.api.app import create_api
from services.web.app import mount_web
from services.settings import Settings

log = logging.getLogger("sigill.server")
STARTUP_LOCK = 0x5161_11_5E  # an arbitrary advisory lock id, Sigill's own
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


def create_server(settings: Settings | None = None) -> FastAPI:
    """The whole HTTP application on the configured (or embedded) database."""
    from services.bootstrap import build_api_context, build_application, build_shared_renewals, database_location

    settings = settings or Settings()
    hand_over_promptly()
    location = database_location(settings)
    with _one_at_a_time(location.conninfo()):
        app = build_application(settings, location=location)
        context = build_api_context(app, settings, location)
        # Session renewals by refresh token, shared by the workers: a rotating provider is asked once per token.
        renewals = build_shared_renewals(settings, location, context) if settings.oidc_sign_in else None
    api = create_api(context)
    mount_web(api, context, settings, renewals)

    serving = api.router.lifespan_context   # the API's own: commands on this worker's event loop

    @asynccontextmanager
    async def lifespan(server: FastAPI) -> AsyncIterator[None]:
        async with serving(server):
            yield
        context.close()
        app.close()

    api.router.lifespan_context = lifespan
    settle_heap()
    return api


@contextmanager
def _one_at_a_time(conninfo: str) -> Iterator[None]:
    """Workers start one after another: each creates the tables it needs, and concurrent CREATEs collide."""
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute("SELECT pg_advisory_lock(%s)", (STARTUP_LOCK,))
        try:
            yield
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", (STARTUP_LOCK,))


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


def start_follower(settings: Settings) -> tuple[threading.Event, threading.Thread]:
    """Keep the views, the ledger and the calendar current in a background thread until the event is set."""
    from services.bootstrap import build_application, build_follower, database_location

    location = database_location(settings)
    app = build_application(settings, location=location)
    follower = build_follower(app, settings, location)
    stop = threading.Event()
    settle_heap()
    hand_over_promptly()   # the follower's threads: views, feed publisher, Kafka's sender, ledger sealer

    def run() -> None:
        try:
            follower.run(stop)
        finally:
            app.close()

    thread = threading.Thread(target=run, name="sigill-follower", daemon=True)
    thread.start()
    return stop, thread
