"""`sigill views log`: a case's stored disclosure log, held to the case's events, and the logs rebuilds replaced.

Apart from the other `views` commands (``cli_views``) for what it alone prints: the log's rows with their bases and
causes, where it differs from the events, and each replaced log beside today's.
"""

from __future__ import annotations

import argparse
import sys

from domain.calendar import STOCKHOLM
from services.audit_text import BEYOND_HOLDING, CHANGES, KINDS
from services.basis_text import consent_facts, describe_basis_with_ids, describe_cause, guardian_roles, known_at
from services.cli_context import AGENCY_HELP, CASE_HELP, known_agency, purpose_help
from services.ledger_texts import describe_divergence
from services.wording import agency_name, one_or_many, rows_compared, rows_counted


def register(commands: argparse._SubParsersAction) -> None:
    log = commands.add_parser("log", help="a case's stored disclosure log: every change, its basis and cause, and"
                              " whether it says what the case's events say")
    log.add_argument("--case", required=True, help=CASE_HELP)
    log.add_argument("--agency", help=f"one agency's changes only: {AGENCY_HELP}")
    log.add_argument("--purpose", default="", help=purpose_help("why you read the case's disclosure log"))
    log.add_argument("--replaced", action="store_true",
                     help="also list every row of the logs rebuilds replaced (what the feeds carried before)")
    log.set_defaults(handler=_log)


def _log(args: argparse.Namespace) -> int:
    """The stored log holds no content (a feed reads it from the view), yet it says which agency got which kind of
    fact of the case, on what basis (who consented told from the case's consent facts): a read, in the access log
    like ``views show``.  An erased case's too, named by its id: its rows outlive its key."""
    from domain.errors import CaseErased
    from services.cli_views import reading   # here: cli_views registers this module's command

    with reading() as (runner, service, reader):
        app, cat = runner.app, runner.app.catalogue
        if args.agency is not None:
            known_agency(cat, args.agency)
        try:
            case_id = app.resolve_case(args.case)
        except CaseErased as erased:   # by its id: its log is kept, and this is where an auditor reads it
            if erased.case_id is None:
                raise
            case_id = erased.case_id
        # Caught up first; an erased case's rows stay (without content), its events no longer read: no agreement.
        read = service.audit_stored_log(reader, case_id, args.agency, args.purpose)
        public = runner.store.fact_ids().of(case_id)   # type: ignore[attr-defined]
        tell = _basis_teller(app, case_id, erased=read.agreement is None)   # altered: its events are not read
        who = f" till {agency_name(args.agency, cat)}" if args.agency else ""
        print(f"Utlämnandeloggen{who}: {rows_counted(len(read.rows))}.")
        for r in read.rows:
            print("  " + _log_line(r, public, cat, tell))
        _print_replaced(read.replaced, args.replaced, public, cat, tell)
        other_rules = runner.built_under_other_rules()
    if read.history_altered is not None:   # the log is evidence of its own: shown, but held to nothing
        print(f"Loggen kan inte jämföras med ärendets händelser: historiken har ändrats – "
              f"{describe_divergence(read.history_altered)}.", file=sys.stderr)
        return 1
    if read.agreement is None:
        print("Ärendet är gallrat (dess nyckel är förstörd): loggen kan inte längre jämföras med händelserna.")
        return 0
    status = _report_agreement(read.agreement, other_rules, public, cat, tell)
    return _report_replaced(read.agreement, read.replaced) or status


def _report_replaced(agreement, replaced) -> int:  # noqa: ANN001 - an Agreement, ReplacedLogs
    """A log a rebuild replaced under today's rules is held to the events as today's is: rows they do not give are
    a finding (exit 1), named above under the log as only in it."""
    from services.stored_log import rows_not_given

    not_given_rows = rows_not_given(agreement, replaced)
    if not not_given_rows:
        return 0
    print(f"En ersatt logg byggd under dagens regler har {rows_counted(not_given_rows)} som ärendets händelser inte ger:"
          " de fanns i loggen vid ombyggnaden men inga regler skrev dem, och kan ha lagts in i efterhand.", file=sys.stderr)
    return 1


def _basis_teller(app, case_id, *, erased: bool):  # noqa: ANN001, ANN202 - the application, a case id; a function
    """A stored row's basis as ``audit disclosures`` says it: who consented (guardians by role, never by name) and
    until when, as the case's consents stood at the row's moment, the ids beside it.  An erased case's events no
    longer read: its rows' consents stay ids.  The row's agency is the recipient whose sight's end is told."""
    consents = [] if erased else consent_facts(app.all_facts(case_id))
    roles = guardian_roles(app.get_case(case_id).known_guardians) if consents else {}
    return lambda basis, change, at, agency: describe_basis_with_ids(
        basis, app.catalogue, known_at(consents, change, at), roles, recipient=agency)


def _log_line(r, public, cat, tell) -> str:  # noqa: ANN001 - a stored row, the case's public ids, the catalogue
    from services.stored_log import stored_change

    when = f"{r['at'].astimezone(STOCKHOLM):%Y-%m-%d %H:%M:%S %Z}  {agency_name(r['agency'], cat):<35} "
    if r["change"] == "erased":   # as the feed names it: no fact, the whole case
        return when + f"{CHANGES['erased']:<12} {r['fact_id']}  [gallrat: nyckeln förstörd]"
    basis, cause = stored_change(r)
    why = describe_cause(cause, cat) if cause is not None else "(ej sparad)"
    return (when + f"{CHANGES.get(r['change'], r['change']):<12} {public(r['fact_id'])}  {KINDS.get(r['kind'], r['kind']):<14}"
            f" [{tell(basis, r['change'], r['at'], r['agency'])}]  orsak: {why}")


def _print_replaced(replaced, every_row: bool, public, cat, tell) -> None:  # noqa: ANN001 - ReplacedLogs, ids, catalogue
    """Each log a rebuild replaced: what it held of the case, and where it differs from today's log over the same
    events (what the feeds carried then that the rebuilt log does not say, and back)."""
    from services.stored_log import standing

    for old in replaced:
        print(f"Ersatt logg (ombyggd {old.replaced_at.astimezone(STOCKHOLM):%Y-%m-%d %H:%M:%S %Z}, byggd under "
              f"reglernas version {old.rules_version or 1}, till och med position {old.up_to} i händelseloggen): "
              f"{rows_counted(len(old.rows))}; {len(old.only_replaced)} som den nuvarande loggen inte har, "
              f"{len(old.only_current)} som bara den nuvarande har." + _BEYOND.get(standing(old, None), "")
              + ("" if every_row else " (`--replaced` listar dess rader.)"))
        for r in old.rows if every_row else ():
            print("    " + _log_line(r, public, cat, tell))
        if old.unfounded:   # a rebuild's end that no log before it founds (held only under today's rules)
            print(f"  {len(old.unfounded)} av dess slut efter en ombyggnad grundas inte av någon tidigare logg.")
        for label, keys in (("bara i den ersatta", old.only_replaced), ("i båda, ogrundat slut", old.unfounded),
                            ("bara i den nuvarande", old.only_current)):
            for key in keys if every_row else keys[:5]:
                print("  " + _key_line(label, key, public, cat, tell))


# A replaced log that cannot be held to the events, said so (``stored_log.standing``); one that can is held below.
_BEYOND = {standing: " " + said for standing, said in BEYOND_HOLDING.items()}


def _key_line(label: str, key, public, cat, tell) -> str:  # noqa: ANN001 - a compared row's key, ids, catalogue
    at, agency, fact_id, kind, _, change, basis, cause = key
    why = describe_cause(cause, cat) if cause is not None else "(ej sparad)"
    fact = fact_id if change == "erased" else public(fact_id)
    basis_text = "gallrat: nyckeln förstörd" if change == "erased" else tell(basis, change, at, agency)
    return (f"{label}: {at.astimezone(STOCKHOLM):%Y-%m-%d %H:%M:%S %Z} {agency_name(agency, cat)} {CHANGES.get(change, change)} {fact} "
            f"{KINDS.get(kind, kind)} [{basis_text}] orsak: {why}")


def _report_agreement(agreement, other_rules: int | None, public, cat, tell) -> int:  # noqa: ANN001
    if agreement.agrees:
        note = (f" ({rows_counted(agreement.without_cause)} från före 2026-12-03 saknar orsak och jämfördes utan den; "
                f"`sigill views rebuild` fyller i {one_or_many(agreement.without_cause, 'den', 'dem')})"
                ) if agreement.without_cause else ""
        print(f"Loggen stämmer med ärendets händelser: {rows_compared(agreement.compared)}.{note}")
        return 0
    print(f"Loggen skiljer sig från ärendets händelser: {rows_counted(len(agreement.only_stored))} finns bara i loggen, "
          f"{len(agreement.only_replayed)} saknas i den.", file=sys.stderr)
    for label, keys in (("bara i loggen", agreement.only_stored), ("saknas i loggen", agreement.only_replayed)):
        for key in keys[:5]:
            print("  " + _key_line(label, key, public, cat, tell), file=sys.stderr)
    if any(key[-1] is None for key in agreement.only_stored):
        print("Rader utan orsak i en logg som skrevs med orsaker (efter dess första rad med orsak, eller byggd under"
              " regler som sparar orsaker) har ändrats i efterhand, eller skrevs av en äldre version under en"
              " uppgradering: `sigill views rebuild` skriver om loggen.", file=sys.stderr)
    if other_rules:
        print(f"Vyerna byggdes under reglernas version {other_rules}: kör `sigill views rebuild`.", file=sys.stderr)
    return 1
