"""The server process: the API (and web client) over the configured database, ready for uvicorn.

``create_server`` is the factory uvicorn calls in each worker process; the
follower (views, ledger seals, calendar) runs once, beside the workers.
"""

from __future__ import annotations

import logging
import threading
from contextlib import asynccontextmanager, contextmanager
from typing import AsyncIterator, Iterator

import psycopg

from fastapi import FastAPI

from services.api.app import create_api
from services.web.app import mount_web
from services.runtime import hand_over_promptly, settle_heap
from services.settings import Settings

log = logging.getLogger("sigill.server")
STARTUP_LOCK = 0x5161_11_5E  # an arbitrary advisory lock id, Sigill's own


def create_server(settings: Settings | None = None) -> FastAPI:
    """The whole HTTP application on the configured (or embedded) database."""
    from services.bootstrap import build_api_context, build_application, build_shared_renewals, build_signed_out
    from services.bootstrap.database import database_location

    settings = settings or Settings()
    hand_over_promptly()
    location = database_location(settings)
    with _one_at_a_time(location.conninfo()):
        app = build_application(settings, location=location)
        context = build_api_context(app, settings, location)
        # Session renewals by refresh token, shared by the workers: a rotating provider is asked once per token.
        renewals = build_shared_renewals(settings, location, context) if settings.oidc_sign_in else None
        signed_out = build_signed_out(settings, location, context)   # every worker refuses a session signed out
    api = create_api(context)
    mount_web(api, context, settings, renewals, signed_out)

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


def start_follower(settings: Settings) -> tuple[threading.Event, threading.Thread]:
    """Keep the views, the ledger and the calendar current in a background thread until the event is set."""
    from services.bootstrap import build_application
    from services.bootstrap.database import database_location
    from services.bootstrap.feeds import build_follower

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
