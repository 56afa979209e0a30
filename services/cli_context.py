"""What every `sigill` command that reads the store opens: settings, the database, the application."""

from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Iterator

from services.settings import Settings


@contextmanager
def opened(clock: Any = None) -> Iterator[tuple[Any, Settings, Any]]:
    """(application, settings, database location); the application is closed afterwards."""
    from services.bootstrap import build_application, database_location

    settings = Settings()
    settings.check()  # a bad configuration is one readable line, before any server is started
    location = database_location(settings)
    app = build_application(settings, clock=clock, location=location)
    try:
        yield app, settings, location
    finally:
        app.close()
