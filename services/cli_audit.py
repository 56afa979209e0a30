"""`sigill audit …`: replay a case, list its disclosures, report on it; the ledger's commands (seal, verify, public-key,
export) are ``services.cli_ledger``'s, the access log's search ``services.cli_access_log``'s."""

from __future__ import annotations

import argparse
import getpass
import os
import socket
import sys
from contextlib import contextmanager
from datetime import datetime, time, timezone
from pathlib import Path
from typing import Callable, Iterable, Iterator

from domain.calendar import EARLIEST_DAY, LATEST_DAY, STOCKHOLM
from domain.errors import CaseErased
from projections.agency_queries import protected_personal_data
from services.audit_text import CHANGES, describe_changes, describe_for_auditor, is_disclosure, own_facts_left_out
from services.basis_text import (consent_facts, describe_basis_with_ids, describe_cause, guardian_roles, known_at,
                                 known_consents)
from services.cli_context import AGENCY_HELP, CASE_HELP, known_agency, opened, purpose_help, shown_case_number
from services.cli_progress import shown
from services.cli_said import said_back
from services.ledger_texts import describe_divergence
from services.presentation import PHASES, plan_rows
from services.principals import COMMAND_LINE, Principal, Role
from services.private_file import private_file
from services.protection_text import protection_at_moment
from services.settings import Settings
from services.standing_text import STANDING_TITLE, StandingText, describe_standing, replay_notes
from services.typed_time import (
    CLOCKS_CHANGED, NOT_A_MOMENT, OUTSIDE_CALENDAR, UnreadableMoment, through_typed_unit, typed_moment,
)
from services.cli_ledger import exported_access_log, exported_checkpoints, public_key_argument
from services.cli_ledger import register as register_ledger
from services.wording import (agency_name, cases_counted, counted, facts_count, rows_counted,
                              to_the_second)


def register(sub: argparse._SubParsersAction) -> None:
    audit = sub.add_parser("audit", help="auditing for JO and IVO: ledger, index of cases, replay, disclosures,"
                           " report, access log, Kafka deliveries")
    commands = audit.add_subparsers(dest="audit_command", required=True, metavar="AUDIT_COMMAND")
    register_ledger(commands)   # seal, verify, public-key, export
    commands.add_parser("cases", help="every case's number, id and phase (the auditors' index): no case is read, one"
                        " access-log entry a page of 50").set_defaults(handler=_cases)
    replay = commands.add_parser("replay", help="what an agency could see of a case at a time, and why")
    replay.add_argument("--case", required=True, help=CASE_HELP)
    replay.add_argument("--agency", required=True, help=AGENCY_HELP)
    replay.add_argument("--as-of", required=True, type=instant, help="ISO date or time; Swedish time if no zone")
    replay.add_argument("--purpose", default="", help=purpose_help())
    replay.set_defaults(handler=_replay)
    disclosures = commands.add_parser("disclosures", help="every disclosure of a case, with its basis")
    disclosures.add_argument("--case", required=True, help=CASE_HELP)
    disclosures.add_argument("--agency", help=f"one agency's disclosures only: {AGENCY_HELP}")
    disclosures.add_argument("--purpose", default="", help=purpose_help("why you read the case's disclosures"))
    disclosures.set_defaults(handler=_disclosures)
    report = commands.add_parser("report", help="a self-contained printable HTML report on a case")
    report.add_argument("--case", required=True, help=CASE_HELP)
    report.add_argument("--out", type=Path, required=True, help="the HTML file to write (readable by its owner only),"
                        " or - for standard output")
    report.add_argument("--force", action="store_true", help="replace the --out file if it exists (refused"
                        " otherwise: a report kept as evidence is not written over)")
    report.add_argument("--checkpoints", type=Path, help="an exported checkpoint file: the report's verification —"
                        " the ledger's, and the access log's — is made against it too (as `verify --checkpoints`)")
    report.add_argument("--trust-key", action="append", default=[], type=public_key_argument, metavar="BASE64",
                        help="a ledger public key to trust for the file's checkpoints (repeatable), as `verify`'s")
    report.add_argument("--purpose", default="", help=purpose_help(
        "why you read the case for a report", "the read and stated under the report's heading"))
    report.set_defaults(handler=_report)
    from services.cli_access_log import register as register_access_log   # it imports this module
    from services.cli_deliveries import register as register_deliveries   # so does it

    register_access_log(commands)
    register_deliveries(commands)


def instant(text: str) -> datetime:
    """2026-03-05, 2026-03-05T14:00 or with a zone (``services.typed_time``): to the end of the day, minute or
    second typed."""
    try:
        parsed = typed_moment(text)
    except UnreadableMoment as unreadable:
        raise argparse.ArgumentTypeError(_unreadable(unreadable)) from None
    return through_typed_unit(text, parsed)   # 14:00 is the whole minute, as a date is the whole day


def start_instant(text: str) -> datetime:
    """As ``instant``, from the start of what is typed: a date from the first moment of that Swedish day (a time is
    the moment it names)."""
    try:
        parsed = typed_moment(text)
    except UnreadableMoment as unreadable:
        raise argparse.ArgumentTypeError(_unreadable(unreadable)) from None
    if len(text.strip()) == 10:   # typed_moment reads a date as the end of its day
        return datetime.combine(parsed.date(), time.min, tzinfo=STOCKHOLM)
    return parsed


def _unreadable(unreadable: UnreadableMoment) -> str:
    """Why a moment typed is refused; the text said back only when it is no personnummer or name (``cli_said``)."""
    return _UNREADABLE[unreadable.why].format(text=said_back(unreadable.text))


_UNREADABLE = {   # {text}: what was typed, quoted — or words saying a value was given (``said_back``)
    NOT_A_MOMENT: "{text} is not a date or time like 2026-03-05 or 2026-03-05T14:00",
    CLOCKS_CHANGED: "{text} is no single moment in Swedish time (the clocks were changed then): give its offset"
                    " after it, e.g. +02:00 or +01:00",
    OUTSIDE_CALENDAR: f"{{text}} is not between {EARLIEST_DAY} and {LATEST_DAY} (in Swedish time)",
}


@contextmanager
def as_reader(trust: Iterable[bytes] = ()) -> Iterator:
    """The case service (its access log, and the ledger's check of each case's history), the reader this command
    line is, the ledger (trusting ``trust`` besides the installation's keys), and the public fact ids (what the
    agencies were given each fact as)."""
    from services.bootstrap import build_case_service, build_fact_ids
    from services.bootstrap.audit import build_ledger

    with opened(existing=True) as (app, settings, location):
        ledger = build_ledger(app, settings, location, trust)
        service = build_case_service(app, settings, location, ledger=ledger)
        try:
            yield service, command_line_reader(), ledger, build_fact_ids(app, settings, location)
        except CaseErased as erased:   # said with when and under which decision, and where its log still is
            raise CaseErased(erased_said(erased, settings, location)) from None
        finally:
            service.access_log.store.close()   # and its owed checkpoint stored


def erased_said(erased: CaseErased, settings: Settings, location: object) -> str:
    """An erased case's one line for an auditor: when it was erased and under which decision (both in the
    record of erasures), and that the disclosure log of it is kept (`sigill views log`)."""
    from services.bootstrap import build_erasures

    record = build_erasures(settings, location).of(erased.case_id) if erased.case_id is not None else None
    if record is None:
        return str(erased)
    return (f"case {erased.case_id} was erased {to_the_second(record['erased_at'])} under the decision"
            f" {record['decision']} (its data key is destroyed): nothing of it can be replayed or reported; what the"
            f" agencies were told of it is kept: sigill views log --case {erased.case_id}")


def command_line_reader() -> Principal:
    """Who reads through `sigill audit`: whoever holds this machine's master key, in the access log like any
    reader, so the young person's extract shows that the case was read here.  The login name is sealed with
    the entry (it may be a person's name); the subject says only which account on which host."""
    return Principal(subject=f"cli:uid{os.getuid()}@{socket.gethostname()}", name=getpass.getuser(),
                     agency=COMMAND_LINE, roles=frozenset({Role.AUDITOR}))


def _fact(fact, ids) -> str:  # noqa: ANN001 - a Fact, a case's public fact ids
    """An auditor's handle on a fact: its event's version in the history, and the id the agencies saw."""
    return f"v{fact.version} {ids(fact.fact_id)}"


INDEX_PAGE = 50   # cases an access-log entry of the index names, as a page of the web's Granskning does


def _cases(args: argparse.Namespace) -> int:
    """The auditors' index, page by page, each logged before it is printed (``audit_case_index``): where an auditor
    finds a case's number and id without reading any case — `views cases` logs a read of each case it lists."""
    with as_reader() as (service, reader, _, _ids):
        page, after = 1, None
        while True:
            # Each page after the last row printed (a keyset): a case opened meanwhile shifts no row across pages.
            index = service.audit_case_index(reader, page, INDEX_PAGE, after=after)
            if page == 1:
                print(f"Granskningens förteckning över ärenden: {cases_counted(index.total)}" + (
                    f" (ingen läsning av något ärende; {counted(-(-index.total // INDEX_PAGE), 'rad', 'rader')} i"
                    " åtkomstloggen)." if index.total else "."))
            for r in index.rows:
                marker = "  [skyddade personuppgifter]" if r["protected_personal_data"] else ""
                number = shown_case_number(r["case_number"], "(utan nummer)")
                print(f"  {number}  {r['case_id']}  fas: {PHASES.get(r['phase'], '–')}"
                      f"{marker}")
            if not index.more:   # no row follows the page (read past it): the last page
                return 0
            page, after = page + 1, index.last_cursor()


def _replay(args: argparse.Namespace) -> int:
    with as_reader() as (service, reader, _, fact_ids):
        app = service.app
        case_id = app.case_id_of(args.case)   # no read of the case: the replay's own tells whether it is there
        known_agency(app.catalogue, args.agency)
        # Logged, and checked against the ledger first: a history cut short at its end still reads.
        replayed = service.audit_replay(reader, case_id, args.agency, args.as_of, args.purpose)
        seen, standing, case = replayed.disclosures, replayed.standing, replayed.case
        ids = fact_ids.of(case_id)
        count = facts_count(len(seen))
        told = describe_standing(standing, len(seen), app.catalogue, by_role=True) if standing is not None else None
        print(f"{agency_name(args.agency, app.catalogue)} kunde den {to_the_second(args.as_of)} "
              f"se {count} i ärendet (återskapat ur händelserna){':' if seen else '.'}")
        if told is not None and told.why_nothing:   # nothing listed: why, in one sentence
            print(told.why_nothing)
        for note in replay_notes(case.created_on, args.as_of, app.clock.now()):
            print(note)
        # Skyddade personuppgifter as recorded then, and whether the agency was told (as the web client's replay).
        for line in protection_at_moment(replayed.protection_then,
                                         protected_personal_data(d.fact for d in seen) is not None,
                                         agency_name(args.agency, app.catalogue),
                                         replayed.protection_now is not None):
            print(line)
        # Who consented, from the consent facts the agency itself saw then (as the web client's replay tells it).
        known, roles = known_consents(d.fact for d in seen), guardian_roles(case.known_guardians)
        # A follow-up's plan row, from the rows the agency saw then (as the web client's replay names it).
        rows = plan_rows(d.fact for d in seen)
        for d in seen:
            print(f"  {_fact(d.fact, ids)}  {describe_for_auditor(d.fact, app.catalogue, rows)}"
                  f"  [{describe_basis_with_ids(d.basis, app.catalogue, known, roles, recipient=args.agency)}]")
        if told is not None:
            _print_standing(told)
    return 0


def _print_standing(told: StandingText) -> None:
    """The agency's standing at the moment, after the facts (as the web client's replay and the API's say it)."""
    print()
    print(f"{STANDING_TITLE}:")
    for heading, lines in told.sections:
        print(f"  {heading}:")
        for line in lines:
            print(f"    {line}")


def _disclosures(args: argparse.Namespace) -> int:
    with as_reader() as (service, reader, _, fact_ids):
        app = service.app
        case_id = app.case_id_of(args.case)   # no read of the case: the log's own tells whether it is there
        agency = known_agency(app.catalogue, args.agency) if args.agency is not None else None
        ids = fact_ids.of(case_id)
        changes, case = service.audit_disclosures(reader, case_id, agency, args.purpose)
        # A follow-up names its plan row as each row's recipient saw it then (as the web client's log says it): told
        # from the whole log, an agency's own rows among it, before those are left out (``is_disclosure``).
        rows = [(c, described) for c, described in zip(changes, describe_changes(changes, app.catalogue))
                if is_disclosure(c)]
        if not rows:
            print("Inga utlämnanden" + (f" till {agency_name(agency, app.catalogue)}" if agency else "") + ".")
        # Who consented, as the consents the log shows stood at each row's moment (as the web client's log says it),
        # the guardians by role from the case the log's own read folded.
        consents = consent_facts(c.fact for c in changes)
        roles = guardian_roles(case.known_guardians)
        for c, described in rows:
            basis = describe_basis_with_ids(c.basis, app.catalogue, known_at(consents, c.change, c.at), roles,
                                            recipient=c.agency)
            print(f"{to_the_second(c.at)}  {agency_name(c.agency, app.catalogue):<35} "
                  f"{CHANGES[c.change]:<12} {_fact(c.fact, ids)}  {described}  "
                  f"[{basis}]  orsak: {describe_cause(c.cause, app.catalogue)}")
        if len(rows) < len(changes):
            print(own_facts_left_out(len(changes) - len(rows)))
        replaced = service.replaced_logs(case_id, agency)
    if replaced:   # replayed from the events under today's rules: what the feeds carried before a rebuild may differ
        differing = sum(1 for old in replaced if old.only_replaced or old.only_current)
        kept = (f"den ersatta loggen – det flödena fick före ombyggnaden – finns kvar och "
                f"{'skiljer sig från' if differing else 'stämmer med'} dagens" if len(replaced) == 1 else
                f"{len(replaced)} ersatta loggar – det flödena fick före ombyggnaderna – finns kvar, {differing} av dem"
                " skiljer sig från dagens")
        print(f"Obs: utlämnandeloggen har byggts om; {kept}. `sigill views log --case {args.case}"
              f"{' --agency ' + agency if agency else ''} --replaced` visar {'den' if len(replaced) == 1 else 'dem'}.")
    return 0


def _report(args: argparse.Namespace) -> int:
    from services.audit import check_access_log_file, signature_ok
    from services.audit_answers import ReportRead
    from services.report import Preparer, case_report
    from services.stored_log import rows_not_given

    exported = exported_checkpoints(args.checkpoints)   # a file that cannot be read stops the report before any read
    exported_reads = exported_access_log(args.checkpoints)   # and the access log's part of it, as verify reads it
    changed = []   # what the report found altered, if anything: its exit status, as verify's
    with as_reader(args.trust_key) as (service, reader, audit_ledger, fact_ids):
        app = service.app
        # No read of the case: the report's own tells whether it is there, or erased (``audit_report``).
        case_id = app.case_id_of(args.case)
        audit_ledger.check_file(exported)   # an untrusted or forged file stops the report before its read is logged
        check_access_log_file(exported_reads, audit_ledger.trusted_keys)

        def make(read: ReportRead, number_of: Callable[[], str | None], made_by: Preparer) -> str:
            verification = audit_ledger.verify(exported, progress=shown("kontrollerat", None))
            if verification.checked >= 100_000:
                print(file=sys.stderr)  # end the progress line
            # The case's history as the report's read found it (the ledger's check, read once: what is reported).
            in_case = read.divergence
            changed.extend(describe_divergence(found) for found in (verification.divergence, in_case)
                           if found is not None)
            stored, access_checked = service.report_checks(read)
            # What the ledger cannot see (a tail cut with its entries and checkpoints) the stored log may: a finding.
            if stored.agreement is not None and not stored.agreement.agrees:
                changed.append(f"den lagrade utlämnandeloggen skiljer sig från ärendets händelser"
                               f" ({rows_counted(len(stored.agreement.only_stored))} finns bara i den,"
                               f" {len(stored.agreement.only_replayed)} saknas i den)")
            # A log a rebuild replaced under today's rules holds what the events give, as today's must (a red team).
            not_given_rows = rows_not_given(stored.agreement, stored.replaced)
            if not_given_rows:
                changed.append(f"en ersatt utlämnandelogg byggd under dagens regler har {rows_counted(not_given_rows)} som"
                               " ärendets händelser inte ger")
            # The whole log held to the file's checkpoint, as verify holds it: a log rewritten since and chained
            # again reads as written to the case's check alone.  (The report's own read, appended after, is no change.)
            kept = service.access_log.verify(signature_ok, audit_ledger.trusted_keys, exported_reads) \
                if exported_reads else None
            if kept is not None and not kept.intact:
                changed.append(f"åtkomstloggen har ändrats: {kept.swedish}")
            elif not access_checked.intact:
                changed.append(f"åtkomstloggen har ändrats: {access_checked.swedish}")
            return case_report(app, read.case_id, verification, datetime.now(timezone.utc), fact_ids.of(read.case_id),
                               in_case, stored.replaced, exported=len(exported), number_of=number_of,
                               agreement=stored.agreement, stored_rows=len(stored.rows), access_checked=access_checked,
                               made_by=made_by, history=read.history, fold=read.fold, access_kept=kept)
        # A path that cannot be written, or a file there already (and no --force): said before the read.
        with private_file(args.out, "the report", args.force) as write:
            write(service.audit_report(reader, case_id, make, args.purpose))
    if str(args.out) != "-":
        print(f"Rapporten skriven till {args.out}.")
    if changed:
        # A supervisor's script tells a finding from a report of an unchanged history as it does from verify's.
        print(f"Historiken har ändrats: {changed[0]} (se rapportens kontroll).", file=sys.stderr)
        return 1
    return 0
