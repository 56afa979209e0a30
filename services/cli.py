"""The `sigill` command line: parses, calls the services, prints; errors become one line and exit 1 (2 for
the caller's own input; 78 for a long-running command's configuration refused)."""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import signal
import sys
import threading
from datetime import datetime, timezone
from typing import Callable, Iterator, Sequence

import psycopg
from eventsourcing.domain import EventSourcingError
from eventsourcing.persistence import PersistenceError
from pydantic import ValidationError

from domain.errors import DomainError, InvalidInput
from services.access_entry import PURPOSE_LENGTH, stated_purpose
from services.access_log import AccessLogUnavailable
from services.audit import CaseHistoryAltered, InvalidCheckpointFile
from services import cli_audit, cli_database, cli_said, cli_feed, cli_ledger, cli_serve, cli_stats, cli_views
from services.errors import (LOCK_CONFLICTS, CaseNotFound, DamagedDataKey, MasterKeyReplaced, connections_used_up,
                             lock_conflict, too_many_connections)
from services.ports import ViewsUnderOtherRules
from services.settings import ConfigurationError, Settings, no_such_schema
from services.wording import counted
from services.cli_serve import DEFAULT_HOST, DEFAULT_PORT, DEMO_MARKER, announced_address


def _demo(args: argparse.Namespace) -> int:
    from services.bootstrap import build_view_runner
    from services.bootstrap.audit import build_ledger
    from services.cli_context import opened
    from services.clock import ManualClock
    from services.demo import run_demo

    settings = Settings()
    if settings.is_production:   # its case would stay in the append-only, sealed store for good
        raise ConfigurationError("the demo loads a fictional case, with a name and a personnummer, into the"
                                 " append-only event store: refused in production (SIGILL_ENVIRONMENT)")
    where = "SIGILL_DATABASE_URL" if settings.database_url else f"inbyggd PostgreSQL i {settings.data_dir}"
    print(f"Sigill demo – startar databasen ({where}) …", flush=True)
    clock = ManualClock(datetime(2026, 2, 1, tzinfo=timezone.utc))
    with opened(clock) as (app, settings, location):
        run_demo(app, clock, sys.stdout)
        sealed = build_ledger(app, settings, location).seal()
        build_view_runner(app, settings, location).catch_up()
    if settings.database_url is None:   # `sigill serve --demo` (./scripts/serve.sh) then loads no second copy
        (settings.data_dir / DEMO_MARKER).touch()
    sealed_said = counted(sealed, "händelse förseglad", "händelser förseglade")
    print(f"\n{sealed_said} i granskningsliggaren; aktörernas vyer är uppdaterade.\n")
    print(demo_next_steps(settings))
    return 0


def demo_next_steps(settings: Settings) -> str:
    """What a new user does after the demo: none of it a logged read of a case (`views cases` logs one of each case
    it lists, and the young person's extract then names the command line as a reader)."""
    address = announced_address(settings.public_url, DEFAULT_HOST, DEFAULT_PORT)
    return ("Vidare:\n"
            f"  sigill serve         webbklienten och API:t på {address}/ med samma ärende; logga in som en av"
            " utvecklingsanvändarna, t.ex. IVO-granskare\n"
            "  sigill audit cases   granskarnas förteckning över ärendena: nummer, id och fas (ingen läsning av"
            " något ärende; en rad i åtkomstloggen per sida om 50)\n"
            "  sigill audit verify  liggaren och åtkomstloggen kontrollerade mot sina signerade kontrollpunkter")


def _new_master_key(args: argparse.Namespace) -> int:
    import base64
    import os

    print(base64.b64encode(os.urandom(32)).decode())
    return 0


COMMANDS: dict[str, tuple[str, Callable[[argparse.Namespace], int]]] = {
    "demo": ("play the example case of seed 004 and print what each agency sees, and why", _demo),
    "new-master-key": ("print a fresh random 32-byte key, base64: for SIGILL_MASTER_KEY, or SIGILL_LEDGER_KEY"
                       " (a different one)", _new_master_key),
}


# What a new operator's `sigill --help` needs besides the commands: where the database, keys and sign-in are set, and
# what a unit or a cron job is told by each exit.
EPILOG = ("Configured by SIGILL_* environment variables (README.md, Configuration; production: deploy/README.md):"
          " with none set, an embedded PostgreSQL and development keys in the data directory.  Exit status: 0 done;"
          " 1 an error, said in one line on standard error (`audit verify`, `audit access-log`, `audit report`, `views log`:"
          " a change found); 2 the"
          " command line or an input refused; 3 `audit verify` could not verify (or `audit report` against its"
          " --checkpoints file); 78 `serve`, `follow` or `feed publish` refused its configuration (the systemd units"
          " do not restart on 2 or 78).")


class _Parser(argparse.ArgumentParser):
    """Bad arguments: one readable line on stderr and exit 2, not a usage dump."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: {cli_said.refusal(message)} (see `{self.prog} --help`)\n")

    def parse_args(self, args=None, namespace=None):  # type: ignore[no-untyped-def,override]
        """argparse's, but arguments it does not take are named only when they are options (``cli_said``)."""
        parsed, extras = self.parse_known_args(args, namespace)
        if extras:
            self.error(cli_said.unrecognized(extras))
        return parsed


def parser() -> argparse.ArgumentParser:
    root = _Parser(prog="sigill", description="Sigill – samverkan i sociala insatsgrupper", epilog=EPILOG)
    sub = root.add_subparsers(dest="command", required=True, metavar="COMMAND", parser_class=_Parser)
    for name, (help_text, handler) in COMMANDS.items():
        sub.add_parser(name, help=help_text, description=help_text).set_defaults(handler=handler)
    cli_audit.register(sub)
    cli_views.register(sub)
    cli_serve.register(sub)
    cli_feed.register(sub)
    cli_database.register(sub)
    cli_stats.register(sub)
    _describe_each(root)
    return root


def _describe_each(parser: argparse.ArgumentParser) -> None:
    """Each command's --help opens with the line the list of commands shows for it (most were registered with
    a help line only, so `sigill serve --help` showed a bare usage line)."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            helps = {choice.dest: choice.help for choice in action._choices_actions}
            for name, child in action.choices.items():
                child.description = child.description or helps.get(name)
                _describe_each(child)


# The exit for the caller's own input (an unknown case, agency or municipality, a malformed value), as argparse's own
# refusals exit: 1 is left for what the caller cannot mend by typing again — a history altered, a database down —
# so a supervisor's script tells a typo from a finding.  `audit verify` exits 3 when it could not verify, and `verify`
# and `report` when the exported checkpoint file given cannot be verified against.
BAD_INPUT = 2
# sysexits.h's EX_CONFIG: the exit of a long-running command (what a systemd unit runs) whose configuration is refused.
# The units do not restart on it, nor on a command line refused (BAD_INPUT), as RestartPreventExitStatus=2 78 in
# deploy/*.service: Restart=on-failure restarted them every 5 s for ever, refused each time alike.  A command that
# ends of itself keeps its error exit, which scripts test for (verify's 3).
REFUSED_CONFIGURATION = 78
LONG_RUNNING = {("serve", None), ("follow", None), ("feed", "publish")}


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    with _sigterm_as_exit(args):
        return _run(args)


STDIN_READ = PURPOSE_LENGTH * 4 + 3   # the characters of standard input `--purpose -` reads


def _purpose_given(purpose: str) -> str:
    """``--purpose -``: the purpose is read from standard input, one line — a purpose often names the young
    person, and a command's arguments are shown to every user of the host (``ps``), its input is not."""
    if purpose != "-":
        return purpose
    unreadable = InvalidInput("--purpose -: standard input holds no UTF-8 text to read the purpose from",
                              field="--purpose")
    if sys.stdin is None:   # closed (`<&-`): there is nothing to read
        raise unreadable
    try:
        text = sys.stdin.read(STDIN_READ)   # enough for the longest purpose; more is refused as too long
        text.encode("utf-8")   # bytes a C locale's stdin let through as surrogates would fail the access log later
        beyond = len(text) == STDIN_READ and sys.stdin.read(1) != ""
    except (UnicodeError, OSError):
        raise unreadable from None
    if beyond:   # its length is not known (nor read to the end: `yes | sigill …`), only that it is over this
        raise InvalidInput(f"--purpose -: standard input holds over {STDIN_READ} characters: a purpose is at most"
                           f" {PURPOSE_LENGTH}", field="--purpose")
    return text[:-2] if text.endswith("\r\n") else text[:-1] if text.endswith("\n") else text


def _one_line(purpose: str) -> str:
    """A purpose read from standard input with a line break left in it (a second line, or a blank one after the
    first) is refused as what it is: the length-or-control-character line sent the auditor looking for either."""
    if len((purpose + ".").splitlines()) > 1:   # "." : a break at the very end counts as one, too
        raise InvalidInput("--purpose -: standard input holds more than one line; the purpose must be one line",
                           field="--purpose")
    return purpose


def _where_cases_are(error: Exception) -> str:
    """What to run next for a case not found: the API's words ("no case has that number") say nothing of where an
    operator finds the numbers and ids.  The auditors' index, which reads no case: `views cases`, named here before
    2026-12-07, logs a read of every case it lists, into each young person's extract."""
    if isinstance(error, CaseNotFound):
        return " (the cases' numbers and ids, no case read: `sigill audit cases`)"
    return ""


def _run(args: argparse.Namespace) -> int:
    """The command's own exit; for an error, one readable line and the command's error exit (1; verify's 3), or
    ``BAD_INPUT`` when the caller's input was refused."""
    try:
        if isinstance(getattr(args, "purpose", None), str):   # every read's --purpose: the API's rule for its header
            given = _purpose_given(args.purpose)
            args.purpose = stated_purpose(_one_line(given) if args.purpose == "-" else given, "--purpose")
        return args.handler(args)
    except (InvalidInput, CaseNotFound) as error:   # the caller's own input: a script tells it from a failure
        print(f"sigill: {error}{_where_cases_are(error)}", file=sys.stderr)
        return BAD_INPUT
    except InvalidCheckpointFile as error:   # not verified against the file (verify's, and the report's, exit 3)
        print(f"sigill: {error}", file=sys.stderr)
        return cli_ledger.NOT_VERIFIED
    except ConfigurationError as error:
        print(f"sigill: {error}", file=sys.stderr)
        return _configuration_refused(args)
    except (DomainError, CaseHistoryAltered, DamagedDataKey, ViewsUnderOtherRules) as error:
        print(f"sigill: {error}", file=sys.stderr)
    except AccessLogUnavailable as error:   # a read that cannot be logged is not answered: say why, in a line
        cause = error.__cause__
        if isinstance(cause, (DamagedDataKey, MasterKeyReplaced)):   # the reader's name is sealed under the case's key
            print(f"sigill: {cause}", file=sys.stderr)
        else:
            print(f"sigill: {error}" + (f" ({type(cause).__name__})" if cause is not None else ""), file=sys.stderr)
    except BrokenPipeError:
        # The reader (e.g. `| head`) stopped reading: that is not an error.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except ValidationError as error:   # a SIGILL_ variable holds a value it cannot take
        print(f"sigill: {setting_problem(error)}", file=sys.stderr)
        return _configuration_refused(args)
    except psycopg.errors.InsufficientPrivilege as error:   # reached, and refused: say so, not "cannot reach"
        print(f"sigill: the database role may not do this: {first_line(error)}", file=sys.stderr)
    except (OSError, PersistenceError, psycopg.Error) as error:
        print(f"sigill: {database_problem(error)}", file=sys.stderr)
        if _names_no_schema(error):   # SIGILL_DB_SCHEMA's value: a configuration, as tables not set up are
            return _configuration_refused(args)
    except EventSourcingError as error:   # a stored event that does not decrypt, a version missing in a history
        print(f"sigill: a case's stored history cannot be read ({first_line(error) or type(error).__name__});"
              " `sigill audit verify` names what was changed", file=sys.stderr)
    except KeyboardInterrupt:
        print("sigill: interrupted", file=sys.stderr)
    return getattr(args, "error_exit", 1)


def _configuration_refused(args: argparse.Namespace) -> int:
    """The exit for a configuration refused: ``REFUSED_CONFIGURATION`` for a long-running command, else its error
    exit."""
    command = (args.command, getattr(args, "feed_command", None) if args.command == "feed" else None)
    return REFUSED_CONFIGURATION if command in LONG_RUNNING else getattr(args, "error_exit", 1)


# PostgreSQL's words when it refuses a connection for whom or what it asks for (psycopg gives no SQLSTATE then).
_SIGN_IN_REFUSED = re.compile(r'password authentication failed for user "[^"]*"|(?:database|role) "[^"]*" does not'
                              r' exist|no pg_hba\.conf entry[^:]*|permission denied for database "[^"]*"')


# libpq's words when TLS to the server failed, each with what to set (deploy/sigill.env.example): reached, and not
# trusted or not encrypted — not the network, nor the password, which the line said before.
_TLS_PROBLEMS = (
    (re.compile(r"pg_hba\.conf rejects connection .*, no encryption|no pg_hba\.conf entry .*, no encryption"),
     "the database accepts only TLS connections: set PGSSLMODE=verify-full and PGSSLROOTCERT to the file of the CA"
     " that signed the server's certificate"),
    (re.compile(r"certificate verify failed"),
     "the server's TLS certificate was not signed by the CA in PGSSLROOTCERT (libpq's default when it is unset:"
     " ~/.postgresql/root.crt): set PGSSLROOTCERT to the file of the CA that signed it"),
    (re.compile(r"server certificate for .* does not match host name"),
     "SIGILL_DATABASE_URL names the server by a host its TLS certificate does not carry: use a name the"
     " certificate carries"),
    (re.compile(r'(?:root certificate file|could not read root certificate file) "[^"]*"'),
     "PGSSLROOTCERT: set it to the file of the CA that signed the server's certificate, readable by Sigill's user"
     " (unset, libpq reads ~/.postgresql/root.crt)"),
    (re.compile(r"server does not support SSL, but SSL was required"),
     "the server offers no TLS and PGSSLMODE requires it: the server's ssl must be on"),
    (re.compile(r'invalid sslmode value: "[^"]*"'),
     "PGSSLMODE: libpq knows no such mode: set PGSSLMODE=verify-full"),
)


def _tls_problem(line: str) -> str | None:
    """The line for a TLS failure: libpq's own words (after the server's address), and what to set."""
    for words, advice in _TLS_PROBLEMS:
        if words.search(line):
            # libpq's words, without the server's address before them (a host name mismatch names the host), nor FATAL
            said = re.sub(r"^(?:.*\bfailed: |connection is bad: )?(?:FATAL:\s+)?", "", line)
            return f"TLS to the database failed ({said}): {advice}"
    return None


# libpq's words when no server answered at a TCP host (refused, timed out, or a name that does not resolve).
_NOT_ANSWERING_OVER_TCP = re.compile(r'connection to server at "[^"]*"(?: \([^)]*\))?, port \d+ failed|failed to'
                                     r" resolve host|timeout expired")


def _names_no_schema(error: BaseException) -> bool:
    """Whether SIGILL_DB_SCHEMA names no schema of the database (eventsourcing wraps psycopg's InvalidSchemaName).
    A long-running command exits 78 for it, as for tables not set up: until 2026-12-07 it exited 1, and its unit was
    restarted every 5 s, a line in the journal each time, for a fix only the operator can make (and then restart)."""
    return _NO_SCHEMA.fullmatch(first_line(error)) is not None


_NO_SCHEMA = re.compile(r'schema "(.*)" does not exist')   # PostgreSQL's words, the schema's name in them


def database_problem(error: BaseException) -> str:
    """One line on a database or data directory that cannot be used, saying what to do where we know it."""
    line = first_line(error)
    no_schema = _NO_SCHEMA.fullmatch(line)
    if no_schema is not None:
        return no_such_schema(no_schema.group(1))
    if isinstance(error, (FileExistsError, NotADirectoryError)):   # mkdir, or a path through a file
        return f"SIGILL_DATA_DIR: {error.filename}: a file stands where a directory must be"
    if too_many_connections(error):
        return (f"the database refuses more connections ({connections_used_up(error) or 'too many clients'}): it is"
                " reachable, but its max_connections, or the role's or the database's CONNECTION LIMIT, is used up —"
                " stop some Sigill processes or raise it (README: Production)")
    tls = _tls_problem(line)
    if tls is not None:
        return tls
    refused = _SIGN_IN_REFUSED.search(line)
    if refused:   # reached, and said no: the URL is wrong, not the network
        return (f"the database was reached, but refused the connection ({refused.group(0)}): check the user,"
                " password and database name in SIGILL_DATABASE_URL")
    if isinstance(error, PermissionError) and error.filename:   # a key file or the data dir of another user
        return (f"SIGILL_DATA_DIR: {error.filename}: permission denied — run Sigill as the user that owns the data"
                " directory, or make that user its owner (chown -R; the key files stay mode 0600)")
    if _NOT_ANSWERING_OVER_TCP.search(line):   # only an external URL names a host (the embedded one is a socket)
        return (f"cannot reach the database: {line} — check that PostgreSQL runs there and that"
                " SIGILL_DATABASE_URL names its host and port, and that no firewall stands between")
    conflict = lock_conflict(error)
    if conflict is not None:   # reached, and busy: not "cannot reach", which sent an operator looking for an outage
        return (f"the database was reached, but another session held a lock this command needed"
                f" ({LOCK_CONFLICTS[conflict]}, SQLSTATE {conflict}): its transaction was rolled back — run the"
                " command again")
    return f"cannot reach the database or data directory: {line}"


def first_line(error: BaseException) -> str:
    """An error's message as one line (psycopg's run over several, with hints and context)."""
    return next((line.strip() for line in str(error).splitlines() if line.strip()), "")


def setting_problem(error: ValidationError) -> str:
    """What is wrong with the configuration, naming the variable, never repeating its value (it may be a key)."""
    problem = error.errors()[0]
    name = "SIGILL_" + "_".join(str(part) for part in problem["loc"]).upper()
    return f"{name}: {problem['msg']}"


@contextlib.contextmanager
def _sigterm_as_exit(args: argparse.Namespace) -> Iterator[None]:
    """SIGTERM (systemd, docker, kill) ends a command as Ctrl-C does, through its cleanup, not at once: the
    embedded PostgreSQL is stopped when the last process using it exits cleanly, and one that died at once
    left it running.  (`sigill follow`, `feed publish` and uvicorn set their own handlers while they run.)"""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, lambda signum, frame: _exit_on_sigterm(args))
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _exit_on_sigterm(args: argparse.Namespace) -> None:
    """A server or a consumer told to stop has done its job: 0 (uvicorn raises the signal again once it has shut
    down).  Any other command stopped before it finished has not: its error exit with a line — `audit verify`
    stopped half-way must not say "unchanged" (0) to a supervisor's scheduled check."""
    if args.command == "serve":
        raise SystemExit(0)
    if args.command == "feed" and getattr(args, "feed_command", None) == "consume":
        raise KeyboardInterrupt   # the usual way to stop a consumer: it ends as on Ctrl-C, its count printed, 0
    print("sigill: stopped (SIGTERM) before it had finished", file=sys.stderr)
    raise SystemExit(getattr(args, "error_exit", 1))


if __name__ == "__main__":
    raise SystemExit(main())
