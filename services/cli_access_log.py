"""`sigill audit access-log`: who read what of the cases, when and why — the access log's search, as the API's and
the web's Åtkomstlogg, each page logged as a read before it is printed, and whether the log is whole."""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from datetime import timedelta

from domain.errors import CaseErased, InvalidInput
from services.access_log_text import (READERS_OUTSIDE, access_log_checked, read_label, reader_agency,
                                      reader_agency_name)
from services.case_audit import NO_CASE
from services.cli_audit import as_reader, instant, start_instant
from services.cli_context import CASE_HELP, purpose_help
from services.cli_progress import shown
from services.principals import Principal
from services.wording import reads_counted, to_the_second


def register(commands: argparse._SubParsersAction) -> None:
    access = commands.add_parser("access-log", help="who read what of the cases, when and why (the access log, as the"
                                 " API's search); says whether the log is whole, exit 1 if it is not")
    access.add_argument("--case", help=f"one case's reads only: {CASE_HELP}; an erased case's too (its reads"
                        " outlive its key)")
    access.add_argument("--agency", help=f"one reader agency's reads only: an agency id, or {_outside_readers()}")
    access.add_argument("--reader", metavar="SUBJECT", help="one reader's reads only: their user id as the log lists it"
                        " (the API's `subject`), e.g. cli:uid1000@host")
    access.add_argument("--from", dest="since", type=start_instant, help="reads from this moment on: ISO date or time;"
                        " Swedish time if no zone (a date from the start of that day)")
    access.add_argument("--to", dest="until", type=instant, help="reads up to and including this moment (a date"
                        " through the end of that day); at the latest the command's start: its own reads are not"
                        " listed")
    access.add_argument("--purpose", default="", help=purpose_help("why you search the access log",
                                                                   "the read of each case whose reads are listed"))
    access.set_defaults(handler=_access_log)


def _outside_readers() -> str:
    """The readers outside the catalogue the command takes, from the list it accepts (``READERS_OUTSIDE``): the help
    named "jo, ivo, sigill" by hand and missed socialstyrelsen when the evaluator came."""
    return ", ".join(f"{reader} ({name})" for reader, name in READERS_OUTSIDE.items())


ACCESS_PAGE = 1000          # reads asked for at a time: the API's largest page
SUBJECT_LENGTH = 200        # the longest reader id searched for, as the API's `subject`


def _access_log(args: argparse.Namespace) -> int:
    """The access log's search, as the API's and the web's Åtkomstlogg: each page logged as a read of each case it
    shows (``CaseService.access_log_search``) before it is printed, then whether the log is whole
    (``AccessLog.check_shown`` over the reads listed, in the web's words): exit 1 when it is not, as `verify`."""
    from services.access_entry import AccessQuery

    if args.reader == "":   # found no read, and "Inga träffar" read as no one having read
        raise InvalidInput("--reader is empty: give a reader's user id (the API's subject), or leave it out",
                           field="--reader")
    if args.reader is not None and len(args.reader) > SUBJECT_LENGTH:
        raise InvalidInput(f"--reader must be at most {SUBJECT_LENGTH} characters", field="--reader")
    if args.since is not None and args.until is not None and args.since > args.until:
        # Searched, it found nothing and said "Inga träffar": as if no one had read in a range that is no range.
        raise InvalidInput(f"--from {to_the_second(args.since)} is after --to {to_the_second(args.until)}: the range"
                           " is reversed", field="--from")
    with as_reader() as (service, reader, _, _ids):
        app = service.app
        # Up to the command's start: the reads its own pages log come after, and a walk to the log's end met them.
        started = app.clock.now()
        if args.since is not None and args.since > started:   # a year mistyped (2062): "Inga träffar", as none read
            raise InvalidInput(f"--from {to_the_second(args.since)} is after this command's start"
                               f" ({to_the_second(started)}): no read is logged after it yet", field="--from")
        until = started if args.until is None else min(started, args.until + timedelta(microseconds=1))
        query = AccessQuery(case_id=_searched_case(app, args.case) if args.case is not None else None,
                            subject=args.reader,
                            agency=None if args.agency is None else reader_agency(app.catalogue, args.agency,
                                                                                  "--agency"),
                            since=args.since, until=until, limit=ACCESS_PAGE)
        listed, checked = _list_reads(service, reader, query, args.purpose)
    print("Inga träffar." if not listed else f"{reads_counted(listed)}.")
    print(access_log_checked(checked))
    return 0 if checked.intact else 1


def _searched_case(app, reference: str):  # noqa: ANN001, ANN202 - the application; a case id
    """The case whose reads are searched, by number or id: an erased case's too, its reads outliving its key (as
    `views log` reads its stored log), where the other audit commands refuse it."""
    try:
        return app.resolve_case(reference)
    except CaseErased as erased:
        if erased.case_id is None:
            raise
        return erased.case_id


def _list_reads(service, reader: Principal, query, purpose: str):  # noqa: ANN001, ANN202
    """Print every read the query finds, page by page, each page logged before it is printed; the number listed, and
    the verdict over them all (the first finding, if any), checked once at the end: the check counts the whole log,
    and a check a page made listing the log's millions of reads quadratic."""
    listed, seqs, progress = 0, [], None
    erased = {str(r["case_id"]) for r in service.erased_cases(reader)}
    while True:
        page = service.access_log_search(reader, query, purpose)
        numbers = service.case_numbers(reader, {record.entry.case_id for record in page})
        for record in page:
            print(_read_line(record, service.catalogue, numbers, erased))
        seqs.extend(record.seq for record in page)
        listed += len(page)
        if len(page) < query.limit:
            break
        # Through the log by its numbers: how far, out of about how many — when the lines go elsewhere than a
        # terminal (on one they show it themselves).
        if progress is None and not sys.stdout.isatty():
            progress = shown("genomsökt", service.access_log_check(seqs=()).entries, unit=("läsning", "läsningar"))
        if progress is not None:
            progress(page[-1].seq)
        query = replace(query, after=page[-1].seq)
    if progress is not None:
        print(file=sys.stderr)   # ends the progress line
    return listed, service.access_log_check(seqs=seqs)


def _read_line(record, catalogue, numbers: dict, erased: set[str]) -> str:  # noqa: ANN001 - an AccessRecord
    """One read, as the web's Åtkomstlogg shows it to an auditor: its number in the log, when, the reader's agency, the
    case, what was read in the web's words (``read_label``), the reader (user id, name, roles) and the purpose stated."""
    e = record.entry
    name = f" ({e.reader_name})" if e.reader_name else ""
    purpose = f"  syfte: {e.purpose}" if e.purpose else ""
    return (f"{record.seq:>6}  {to_the_second(e.at)}  {reader_agency_name(e.agency, catalogue):<35} "
            f"{_case(e.case_id, numbers, erased)}  {read_label(catalogue, e.what, e.agency)}"
            f"  läsare: {e.subject}{name}, {e.roles}{purpose}")


def _case(case_id, numbers: dict, erased: set[str]) -> str:  # noqa: ANN001 - a UUID
    """The case a read was of, as the web's Åtkomstlogg names it: by its number (the lists' — each case shown is a
    read of it, logged by the search); an erased case, which has none left, by its id marked so, and any other the
    lists do not hold by its id (the id is what `--case` and the young person's extract take for it)."""
    if case_id in NO_CASE:   # a statistics run, the auditors' index
        return "inget enskilt ärende"
    number = numbers.get(str(case_id))
    if number:
        return f"ärende {number}"
    return f"ärende {case_id}{' (gallrat)' if str(case_id) in erased else ''}"
