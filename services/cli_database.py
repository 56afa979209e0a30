"""`sigill database setup`: the tables made by the role that owns them, for an application that runs as another;
`sigill database rotate-master-key`: every case's data key wrapped by a new master key."""

from __future__ import annotations

import argparse
import re
from typing import TYPE_CHECKING

from domain.errors import InvalidInput
from services.wording import all_of, counted, one_or_many, swedish_number

if TYPE_CHECKING:
    from services.ports import MasterKeyCheck, Readiness
    from services.settings import Settings


def register(sub: argparse._SubParsersAction) -> None:
    database = sub.add_parser("database", help="the database's tables, and the role the application runs as")
    commands = database.add_subparsers(dest="database_command", required=True, metavar="DATABASE_COMMAND")
    setup = commands.add_parser(
        "setup", help="as the role that is to own the tables (SIGILL_DATABASE_URL), with the installation's"
        " SIGILL_MASTER_KEY: make or update every table,"
        " and let the application's role use them without owning them, so it cannot disable the append-only"
        " triggers; run again after every upgrade, before the new version starts")
    setup.add_argument("--app-role", required=True, help="the database role `sigill serve` and `sigill follow`"
                       " connect as (not the owner, not a superuser)")
    setup.set_defaults(handler=_setup)
    rotation = commands.add_parser(
        "rotate-master-key", help="with every Sigill process stopped: wrap every case's data key by the new master"
        " key (SIGILL_MASTER_KEY) instead of the one in use (SIGILL_PREVIOUS_MASTER_KEY), in one transaction; run as"
        " the tables' owner where `database setup` keeps it apart (deploy/README.md, section 2)")
    rotation.set_defaults(handler=_rotate_master_key)
    status = commands.add_parser(
        "status", help="what the readiness probe tells an administrator, from the database itself: whether a follower"
        " works on it, how many stored events the agency views have yet to take in, and how many feed messages Kafka"
        " has yet to acknowledge; how far libpq verifies the database's TLS (a warning, never a failure); and, given"
        " a master key (SIGILL_MASTER_KEY, or in development the data directory's master.key), whether `sigill serve` could start with it (exit 0; 1 when the database does not answer or"
        " the master key does not unwrap the stored data keys)")
    status.add_argument("--json", action="store_true", help="one JSON object, for a monitor")
    status.set_defaults(handler=_status)


def _setup(args: argparse.Namespace) -> int:
    from services.bootstrap import set_up_database
    from services.bootstrap.database import database_location
    from services.settings import ConfigurationError, Settings

    if not re.fullmatch(r"[a-z_][a-z0-9_$]{0,62}", args.app_role):
        raise InvalidInput("--app-role: a role name of lower-case letters, digits and _ (as CREATE ROLE made it)",
                           field="--app-role")
    settings = Settings()
    settings.check()
    if settings.database_url is None:
        raise ConfigurationError("SIGILL_DATABASE_URL: set it to the tables' owner's connection (the embedded"
                                 " PostgreSQL is for one role: nothing to keep apart there)")
    if settings.master_key is None:
        # The key table keeps a check value of the master key.  Run, as deploy/README.md shows it, with the URL
        # alone, the setup stored a development key's (made in the owner's data directory), and production then
        # refused to start on the tables it had just made: "check SIGILL_MASTER_KEY".
        raise ConfigurationError("SIGILL_MASTER_KEY: set it to the master key Sigill is to run with (the one in"
                                 " its environment; `sigill new-master-key` makes one), and SIGILL_LEDGER_KEY too:"
                                 " the key table keeps a check value of the master key, and Sigill refuses to start"
                                 " under another (deploy/README.md, section 1)")
    location = database_location(settings)
    set_up_database(settings, location, args.app_role)
    schema = settings.db_schema or "public"
    print(f"Sigills tabeller i schemat {schema} ägs av {location.user}; rollen {args.app_role} får läsa och skriva"
          " i dem men inte ändra dem, och händelselagret tar bara emot nya händelser.")
    return 0


def _rotate_master_key(args: argparse.Namespace) -> int:
    import sys

    from services.bootstrap.database import rotate_master_key
    from services.cli_progress import shown
    from services.settings import Settings

    shows = {}

    def progress(done: int, total: int) -> None:   # the total is known once the keys are read
        if "line" not in shows:
            shows["line"] = shown("omslutit", total, unit=("datanyckel", "datanycklar"), about=False)
        shows["line"](done)

    settings = Settings()
    settings.check()
    rotation = rotate_master_key(settings, progress)
    if shows:
        print(file=sys.stderr)  # end the progress line
    already = swedish_number(rotation.already)
    destroyed = counted(rotation.destroyed, "förstörd", "förstörda")
    if rotation.already and not rotation.rewrapped:
        # Run again after a rotation — or with the two keys given the wrong way round, which said "Huvudnyckeln
        # bytt" too, and the operator then started Sigill with the key that wraps nothing.
        wrapped = all_of(rotation.already, "datanyckeln var redan omsluten", "datanycklar var redan omslutna")
        print(f"Ingenting bytt: {wrapped} med SIGILL_MASTER_KEY"
              f" ({destroyed} vid gallring). Antingen har bytet redan gjorts, eller är"
              " SIGILL_MASTER_KEY den nyckel som används: sätt den då till den nya (`sigill new-master-key`) och"
              " SIGILL_PREVIOUS_MASTER_KEY till den som används, och kör kommandot igen.")
    else:
        rewrapped = counted(rotation.rewrapped, "datanyckel omsluten", "datanycklar omslutna")
        print(f"Huvudnyckeln bytt: {rewrapped} med den nya"
              f" ({already} var det redan, {destroyed} vid gallring). Starta Sigill med den nya"
              " SIGILL_MASTER_KEY; behåll SIGILL_PREVIOUS_MASTER_KEY ett dygn, så att en klients omsändning med"
              " samma Idempotency-Key känns igen och en utloggad session förblir utloggad, och ta sedan bort den."
              " Webbsessionerna pågår men förnyas inte: var och en loggar in på nytt när sin inloggning går ut.")
    _development_key_file(settings)
    if rotation.check_damaged:   # no case's key: the processes start with a warning that the row was altered
        print("sigill: huvudnyckelns kontrollvärde (en rad i nyckeltabellen, ingen datanyckel) går inte att packa upp"
              " med någon av nycklarna och lämnades orört: återställ raden ur en säkerhetskopia och kör kommandot igen"
              " med den nyckel den omslöts med som SIGILL_PREVIOUS_MASTER_KEY", file=sys.stderr)
    if rotation.damaged:
        # Damaged before (neither key unwraps them): those cases already read as damaged.  Left as they are.
        print(_damaged_keys(rotation.damaged), file=sys.stderr)
        return 1
    return 1 if rotation.check_damaged else 0


def _damaged_keys(cases: list) -> str:
    """The line for data keys neither key unwraps, in the number of their count: one read "1 datanycklar … lämnades
    orörda (skadade rader; ärenden …): återställ dem"."""
    n = len(cases)
    listed = ", ".join(str(a) for a in cases[:5]) + (" …" if n > 5 else "")
    left = one_or_many(n, "orörd (skadad rad; ärende", "orörda (skadade rader; ärenden")
    it, they = one_or_many(n, "den", "dem"), one_or_many(n, "den", "de")
    return (f"sigill: {counted(n, 'datanyckel', 'datanycklar')} går inte att packa upp med någon av nycklarna och"
            f" lämnades {left} {listed}): återställ {it} ur en säkerhetskopia och kör kommandot igen med den nyckel"
            f" {they} omslöts med som SIGILL_PREVIOUS_MASTER_KEY")


def _development_key_file(settings: Settings) -> None:
    """In development the data directory's master.key is the key in use wherever SIGILL_MASTER_KEY is not set: after
    a rotation every such command failed, and nothing had said that the file still held the old key."""
    previous = settings.previous_master_key_bytes()
    if previous is not None and settings.development_key_file_holds(previous):
        from services.settings import MASTER_KEY_FILE

        print(f"Utvecklingsläge: {settings.data_dir / MASTER_KEY_FILE} håller fortfarande den gamla nyckeln — skriv"
              " den nya dit, så gäller den även för kommandon utan SIGILL_MASTER_KEY.")


def _status(args: argparse.Namespace) -> int:
    import json
    import sys

    from services.bootstrap.database import database_tls, master_key_check, status_probe
    from services.database_tls import status_line
    from services.settings import ConfigurationError, Settings, no_such_schema

    settings = Settings()
    settings.check_database_url_is_no_placeholder()
    probe = status_probe(settings)
    tls = database_tls(settings)   # told, never refused: a warning, as `sigill serve` logs it
    # Decoded before the database is asked, as every command does: a malformed key is one line whatever it holds.
    # None where none is given (a monitor's environment, production's without SIGILL_MASTER_KEY): not judged.
    master_key, previous = settings.existing_master_key_bytes(), settings.previous_master_key_bytes()
    found = probe()
    if found is None and probe.schema_missing():   # it answers: the README promises every command names the schema
        raise ConfigurationError(no_such_schema(probe.schema))
    if found is None:
        print("sigill: the database does not answer within 3 s, or holds no Sigill tables (SIGILL_DATABASE_URL): is"
              " it running, reachable from here, and Sigill's database?", file=sys.stderr)
        return 1
    check = None if master_key is None else master_key_check(probe, master_key, previous)
    if args.json:
        print(json.dumps({"follower": found.follower, "views_behind": found.views_behind,
                          "kafka_unsent": found.kafka_unsent,
                          "master_key": None if check is None else check.value, "database_tls": tls.tls.value}))
    else:
        _print_status(found, check)
        if settings.database_url is not None:   # the embedded server's socket: nothing to say
            print(status_line(tls))
    problem = _master_key_problem(check, settings)
    if problem:
        print(f"sigill: {problem}", file=sys.stderr)
        return 1
    return 0


def _print_status(found: Readiness, check: MasterKeyCheck | None) -> None:
    from services.ports import MasterKeyCheck

    print("Följare: " + ("arbetar" if found.follower else
                         "ingen arbetar — starta `sigill serve` eller `sigill follow` (vyer, flöden, liggare, kalender)"))
    behind = counted(found.views_behind, "lagrad händelse", "lagrade händelser")
    print("Vyerna: " + ("à jour" if found.views_behind == 0 else f"högst {behind} efter"))
    if found.kafka_unsent is not None:
        unsent = counted(found.kafka_unsent, "flödesmeddelande ännu inte kvitterat",
                         "flödesmeddelanden ännu inte kvitterade")
        print(f"Kafka: {unsent}")
    if check is MasterKeyCheck.UNWRAPS:
        print("Huvudnyckeln: packar upp de lagrade datanycklarna")


def _master_key_problem(check: MasterKeyCheck | None, settings: Settings) -> str | None:
    """The one line for a master key `sigill serve` would refuse (never the key itself), saying what to set."""
    from services.ports import MasterKeyCheck

    source = settings.master_key_source()
    if settings.gives_the_development_key():   # serve refuses it before it reads a stored key: "all is well" misled
        return ("SIGILL_MASTER_KEY is the development key, so `sigill serve` would refuse to start in production: make"
                " a production key (`sigill new-master-key`) and rotate to it, the development key as"
                " SIGILL_PREVIOUS_MASTER_KEY (deploy/README.md, section 2)")
    if check is MasterKeyCheck.NOT_ROTATED:
        return (f"{source} does not unwrap the stored data keys, SIGILL_PREVIOUS_MASTER_KEY does: the rotation has"
                " not run, and `sigill serve` would refuse to start — stop every Sigill process and run `sigill"
                " database rotate-master-key` (deploy/README.md, section 2)")
    if check is MasterKeyCheck.WRONG:
        return (f"{source} does not unwrap the stored data keys, so `sigill serve` would refuse to start: set it to"
                " the master key they were wrapped with (during a rotation: the new key once `sigill database"
                " rotate-master-key` has run, the old one as SIGILL_PREVIOUS_MASTER_KEY)")
    return None
