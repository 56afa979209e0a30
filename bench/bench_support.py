"""What every benchmark starts with: a fresh database and an application on it."""

from __future__ import annotations

import os
import sys
import tempfile
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator
from uuid import uuid4

ROOT, HERE = Path(__file__).resolve().parents[1], Path(__file__).resolve().parent
# A script here runs with this folder first on sys.path, where bench/http.py would shadow the standard library's
# http (which jwt and uvicorn import): the project's root goes first and this folder last, for every script.
sys.path[:] = [str(ROOT), *(p for p in sys.path if Path(p or ".").resolve() not in (ROOT, HERE)), str(HERE)]

from gateways.embedded_postgres import PostgresLocation, create_database, location_from_url, start_embedded  # noqa: E402
from services.application import CaseApplication  # noqa: E402
from services.bootstrap import build_application  # noqa: E402
from services.settings import Settings  # noqa: E402


@contextmanager
def bench_application() -> Iterator[tuple[CaseApplication, Settings, PostgresLocation]]:
    """The embedded PostgreSQL in a temporary directory (or SIGILL_BENCH_POSTGRES_URL), a fresh database."""
    with tempfile.TemporaryDirectory(prefix="sigill-bench-") as tmp:
        url = os.environ.get("SIGILL_BENCH_POSTGRES_URL")
        server = location_from_url(url) if url else start_embedded(Path(tmp) / "pg")
        location = create_database(server, f"bench_{uuid4().hex[:8]}")
        settings = Settings(data_dir=Path(tmp))
        app = build_application(settings, location=location)
        print(f"PostgreSQL: {'external' if url else 'embedded'}; {os.cpu_count()} cores; "
              f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC", flush=True)
        try:
            yield app, settings, location
        finally:
            app.close()


def progress(verb: str):
    return lambda n: print(f"\r  {verb} {n:,} events", end="", file=sys.stderr, flush=True)
