"""`sigill database setup`: the tables made by the role that owns them, for an application that runs as another."""

from __future__ import annotations

import argparse
import re

from domain.errors import InvalidInput


def register(sub: argparse._SubParsersAction) -> None:
    database = sub.add_parser("database", help="the database's tables, and the role the application runs as")
    commands = database.add_subparsers(dest="database_command", required=True, metavar="DATABASE_COMMAND")
    setup = commands.add_parser(
        "setup", help="as the role that is to own the tables (SIGILL_DATABASE_URL): make or update every table,"
        " and let the application's role use them without owning them, so it cannot disable the append-only"
        " triggers; run again after every upgrade, before the new version starts")
    setup.add_argument("--app-role", required=True, help="the database role `sigill serve` and `sigill follow`"
                       " connect as (not the owner, not a superuser)")
    setup.set_defaults(handler=_setup)


def _setup(args: argparse.Namespace) -> int:
    from services.bootstrap import database_location, set_up_database
    from services.settings import ConfigurationError, Settings

    if not re.fullmatch(r"[a-z_][a-z0-9_$]{0,62}", args.app_role):
        raise InvalidInput("--app-role: a role name of lower-case letters, digits and _ (as CREATE ROLE made it)",
                           field="--app-role")
    settings = Settings()
    settings.check()
    if settings.database_url is None:
        raise ConfigurationError("SIGILL_DATABASE_URL: set it to the tables' owner's connection (the embedded"
                                 " PostgreSQL is for one role: nothing to keep apart there)")
    location = database_location(settings)
    set_up_database(settings, location, args.app_role)
    schema = settings.db_schema or "public"
    print(f"Sigills tabeller i schemat {schema} ägs av {location.user}; rollen {args.app_role} får läsa och skriva"
          " i dem men inte ändra dem, och händelselagret tar bara emot nya händelser.")
    return 0
