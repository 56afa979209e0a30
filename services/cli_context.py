"""What every `sigill` command that reads the store opens: settings, the database, the application."""

from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Iterator

from services.settings import Settings

PURPOSE_HELP = ("why you read the case (syfte), kept sealed in the access log beside the read; - reads it from"
                " standard input (a command's arguments show in ps)")


@contextmanager
def opened(clock: Any = None, *, existing: bool = False) -> Iterator[tuple[Any, Settings, Any]]:
    """(application, settings, database location); the application is closed afterwards.  ``existing``: only
    a database that is already there — a command that reads (an audit, a view) makes none, and no master key,
    in a data directory named by mistake."""
    from services.bootstrap import build_application, database_location, existing_database_location

    settings = Settings()
    settings.check()  # a bad configuration is one readable line, before any server is started
    location = existing_database_location(settings) if existing else database_location(settings)
    app = build_application(settings, clock=clock, location=location)
    try:
        yield app, settings, location
    finally:
        app.close()
