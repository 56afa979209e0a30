"""`sigill erase`: cull (gallra) a closed case under a recorded decision, or list the cases due for culling."""

from __future__ import annotations

import argparse
import sys

from domain.calendar import STOCKHOLM
from services.cli_context import CASE_HELP, known_municipality, opened
from services.cli_progress import shown
from services.wording import cases_counted, closed_cases_unreadable


def register(sub: argparse._SubParsersAction) -> None:
    erase = sub.add_parser("erase", help="erase (gallra) a closed case: its decision recorded, its data key"
                           " destroyed, the agencies that knew it told to delete what they hold; --due lists the"
                           " cases whose retention period has run out")
    erase.add_argument("--case", help=CASE_HELP + "; required unless --due")
    erase.add_argument("--decision", help="the erasure decision's reference, e.g. its diary number"
                       " (kept in plain text: never a name or personnummer); required unless --due")
    erase.add_argument("--due", action="store_true",
                       help="erase nothing: list the closed cases due for culling (SIGILL_RETENTION_YEARS after"
                            " their last event) — number, id, municipality, closure, last event, closure reason")
    erase.add_argument("--municipality", help="with --due: that municipality's cases only, e.g. 0180")
    erase.add_argument("--even-if-open", action="store_true",
                       help="only after a restore of an older backup: a case the decision concerned that was closed"
                            " after the backup, and so is open again")
    erase.set_defaults(handler=_erase)


def _erase(args: argparse.Namespace) -> int:
    from uuid import UUID

    if args.due:
        return _due(args)
    _erase_arguments(args)

    from domain.errors import CaseErased
    from services.bootstrap import build_erasures
    from services.cli_audit import command_line_reader
    from services.erasure import decision_reference, erase_case

    decision_reference(args.decision)   # a bad reference is refused before anything is opened
    with opened(existing=True) as (app, settings, location):
        try:
            case_id = app.resolve_case(args.case)
        except CaseErased:   # named by its id, and erased: say whether that was decided
            case_id = UUID(args.case.strip())
        done = erase_case(app, build_erasures(settings, location), case_id, args.decision,
                          command_line_reader().subject, even_if_open=args.even_if_open)
    if done.already:
        print(f"Ärendet {case_id} var redan gallrat; inget gjordes nu.")
    else:
        print(f"Ärende {done.case_number} gallrat: beslutet registrerat och ärendets nyckel förstörd. Myndigheter"
              " som kände till ärendet får ett raderingsmeddelande i sina flöden inom en minut (följaren; utan någon"
              " följare: `sigill calendar`).")
    return 0


def _erase_arguments(args: argparse.Namespace) -> None:
    """--case and --decision to erase, --due (and --municipality) to list: never a mix."""
    from domain.errors import InvalidInput

    for option, given in (("--case", args.case), ("--decision", args.decision)):
        if given is None:
            raise InvalidInput(f"{option} is required to erase a case (or list the cases due for culling: --due)",
                               field=option)
    if args.municipality is not None:
        raise InvalidInput("--municipality goes with --due (erasing names its case: --case)", field="--municipality")


def _due(args: argparse.Namespace) -> int:
    """The cases due for culling: what the command line reads, in the access log like `views cases`."""
    from domain.errors import InvalidInput
    from services.catalogue_loader import load_catalogue
    from services.cli_views import reading   # here: cli_views registers this module's command
    from services.settings import Settings

    for option, given in (("--case", args.case), ("--decision", args.decision), ("--even-if-open", args.even_if_open)):
        if given:
            raise InvalidInput(f"--due lists and erases nothing: leave out {option}", field=option)
    if args.municipality is not None:   # a mistyped code is one line before the database is started
        known_municipality(load_catalogue(Settings().catalogue), args.municipality.strip())
    progress: list = []

    def read(count: int, total: int) -> None:   # the progress line, once it is known how many are to be read
        if not progress:
            progress.append(shown("läst", total, unit=("avslutat ärende", "avslutade ärenden"), about=False))
        progress[0](count)
    with reading() as (runner, service, reader):
        found = service.due_for_culling(reader, args.municipality, progress=read)
    if progress:
        print(file=sys.stderr)   # ends the progress line
    _print_due(found)
    return 0


DUE_COLUMNS = ("ärende", "ärende-id", "kommun", "avslutat", "sista anteckning", "gallringsbart från", "avslutsskäl")


def _print_due(found) -> None:  # noqa: ANN001 - a services.retention.DueList
    """One line a case: its number and id, municipality, the Stockholm dates of its closure, last event and the end of
    its retention period, and the closure's reason code — never whom it concerns."""
    where = f"i {found.municipality}" if found.municipality else "i alla kommuner"
    count = cases_counted(len(found.cases))
    print(f"Gallringsbara ärenden {where} per {found.as_of.astimezone(STOCKHOLM):%Y-%m-%d} (gallringsfrist"
          f" {found.years} år efter ärendets sista anteckning, SIGILL_RETENTION_YEARS): {count}")
    rows = [(c.case_number, str(c.case_id), c.municipality, *(f"{t.astimezone(STOCKHOLM):%Y-%m-%d}" for t in (
        c.closed_at, c.last_event_at, c.due_from)), c.closure_reason) for c in found.cases]
    widths = [max(len(v) for v in column) for column in zip(DUE_COLUMNS, *rows)]
    for row in (DUE_COLUMNS, *rows) if rows else ():
        print("  " + "  ".join(v.ljust(w) for v, w in zip(row, widths)).rstrip())
    if found.unreadable:
        print(f"{closed_cases_unreadable(found.unreadable)}.")
    if rows:
        print('Gallra under ett registrerat beslut, ett ärende i taget: sigill erase --case ÄRENDE --decision'
              ' "DIARIENUMMER".')

