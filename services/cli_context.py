"""What every `sigill` command that reads the store opens: settings, the database, the application."""

from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Iterator

from domain.case_numbers import as_written
from services.settings import Settings


def shown_case_number(number: object, missing: str) -> str:
    """A case number read from the views' case lists as it is (``missing`` for none); one not as Sigill writes it (the
    table altered) quoted and cut short, so that the reader sees it is not a number and no control character of it
    reaches the terminal (an escape can erase or overwrite the lines above it)."""
    if not number:
        return missing
    return str(number) if as_written(number) else ascii(str(number)[:40])


def known_agency(catalogue: Any, agency: str, field: str = "agency") -> str:
    """The agency's id; one not in the catalogue is one line that lists those that are ("Skolan", "polisen" and an
    empty --agency were told only "unknown agency", and the ids are in no --help)."""
    from domain.errors import InvalidInput

    try:
        return catalogue.agency(agency, field=field).id
    except InvalidInput as error:
        raise InvalidInput(f"{error} (the agencies: {', '.join(sorted(catalogue.agencies))})", field=field) from None


def known_municipality(catalogue: Any, code: str, field: str = "--municipality") -> str:
    """The municipality's code; one not in the catalogue is one line that gives the code meant ("Stockholm", or
    "180" without its leading zero) or lists the codes that are (they were told only "unknown municipality", and the
    codes are in no --help)."""
    from domain.errors import InvalidInput

    try:
        return catalogue.municipality(code, field=field).code
    except InvalidInput as error:
        typed = code.strip()
        named = [m for m in catalogue.municipalities.values()
                 if typed.casefold() == m.name.casefold() or (typed.isdigit() and typed.zfill(4) == m.code)]
        hint = (f"give its code: {named[0].code} for {named[0].name}" if named
                else f"the codes: {', '.join(sorted(catalogue.municipalities))}")
        raise InvalidInput(f"{error} ({hint})", field=field) from None


# Each option's help, the same wherever it is taken (some commands' --help showed --case or --agency bare).
CASE_HELP = "case id or case number (0180-2026-0042)"
AGENCY_HELP = "agency id, e.g. polis, skola, socialtjanst (one not in the catalogue is answered with the list)"


def purpose_help(why: str = "why you read the case", logged: str = "the read") -> str:
    """--purpose's help, saying what the command reads and which reads the purpose is logged beside: a case list's
    and the access log's search said "why you read the case", and they read no one case."""
    return (f"{why} (syfte), kept sealed in the access log beside {logged}; - reads it from standard input (a"
            " command's arguments show in ps)")


@contextmanager
def opened(clock: Any = None, *, existing: bool = False) -> Iterator[tuple[Any, Settings, Any]]:
    """(application, settings, database location); the application is closed afterwards.  ``existing``: only
    a database that is already there — a command that reads (an audit, a view) makes none, and no master key,
    in a data directory named by mistake."""
    from services.bootstrap import build_application
    from services.bootstrap.database import database_location, existing_database_location

    settings = Settings()
    settings.check()  # a bad configuration is one readable line, before any server is started
    location = existing_database_location(settings) if existing else database_location(settings)
    app = build_application(settings, clock=clock, location=location)
    try:
        yield app, settings, location
    finally:
        app.close()
