"""`sigill views …` and `sigill calendar`: keep the agency views current, and look at them (`views log`, a case's
stored disclosure log, in ``cli_views_log``)."""

from __future__ import annotations

import argparse
import sys
from contextlib import contextmanager
from types import SimpleNamespace
from typing import Callable, Iterator

from domain.calendar import STOCKHOLM
from domain.values import YOUNG_PERSON
from services import cli_erase, cli_views_log
from services.audit_text import KINDS
from services.basis_text import describe_basis_with_ids, guardian_roles, known_consents
from services.cli_context import AGENCY_HELP, CASE_HELP, known_agency, purpose_help, opened, shown_case_number
from services.cli_progress import shown
from services.presentation import (MEETING_KINDS, NO_NEXT_MEETING, NO_NEXT_MEETING_SHOWN, PHASES, describe_fact,
                                   describe_plan_status, plan_rows)
from services.wording import (agency_name, cases_counted, counted, events_counted, facts_count, rows_counted,
                              unnumbered_row)


def register(sub: argparse._SubParsersAction) -> None:
    views = sub.add_parser("views", help="the agency views: catch up, rebuild, list cases, show a case")
    commands = views.add_subparsers(dest="views_command", required=True, metavar="VIEWS_COMMAND")
    commands.add_parser("catch-up", help="process every new event into the views").set_defaults(handler=_catch_up)
    rebuild = commands.add_parser("rebuild", help="build the views again from the first event (the disclosure log"
                                  " they replace is kept: `sigill views log --case N --replaced`)")
    rebuild.add_argument("--after-restore", action="store_true",
                         help="the database was restored from an older backup: give every feed message and fact a"
                              " new id (the events after the restore take the lost ones' places, and would take"
                              " their ids); with every other Sigill process stopped")
    rebuild.set_defaults(handler=_rebuild)
    cases = commands.add_parser("cases", help="an agency's case list")
    cases.add_argument("--agency", required=True, help=AGENCY_HELP)
    cases.add_argument("--purpose", default="", help=purpose_help("why you read the agency's case list",
                                                                  "the read of each case listed"))
    cases.set_defaults(handler=_cases)
    show = commands.add_parser("show", help="what an agency sees of a case now, and why")
    show.add_argument("--agency", required=True, help=AGENCY_HELP)
    show.add_argument("--case", required=True, help=CASE_HELP)
    show.add_argument("--what", choices=("timeline", "plan", "meetings", "own"), default="timeline",
                      help="the whole timeline (default), the current plan, the meetings, or its own contributions")
    show.add_argument("--purpose", default="", help=purpose_help())
    show.set_defaults(handler=_show)
    cli_views_log.register(commands)
    cli_erase.register(sub)   # between views and calendar in --help, as before it had a module of its own
    sub.add_parser("calendar", help="record calendar moments that have passed (consents ending, 18th birthdays)"
                   " and tell the feeds of erased cases: the follower's minute round, for cron where none works"
                   ).set_defaults(handler=_calendar)
    sub.add_parser("follow", help="keep the views, the audit ledger, the calendar and, with Kafka configured, the agency"
                   " topics current until stopped (Ctrl-C)"
                   ).set_defaults(handler=_follow)


@contextmanager
def _runner() -> Iterator:
    from services.bootstrap import build_view_runner

    with opened(existing=True) as (app, settings, location):
        yield build_view_runner(app, settings, location)


def _progress(runner, rebuilding: bool = False) -> Callable[[int], None]:  # noqa: ANN001 - a ViewRunner
    """Progress out of the events stored after the views' position (all of them for a rebuild)."""
    newest = runner.app.recorder.max_notification_id() or 0
    return shown("bearbetat", newest if rebuilding else max(0, newest - runner.position))


WHAT = {"timeline": "tidslinje", "plan": "gällande plan", "meetings": "möten", "own": "egna uppgifter"}


def _select(facts: list, what: str) -> list:
    from projections import agency_queries as q

    if what == "plan":
        plan = q.current_plan(facts)
        return [] if plan is None else [f for f in facts if f.kind == "plan.goal"
                                         and f.content["revision"] == plan.revision] + list(plan.rows)
    if what == "meetings":
        return [part for meeting in q.meetings(facts) for part in meeting.parts]
    if what == "own":
        return q.own_contributions(facts)
    return q.timeline(facts)


def _catch_up(args: argparse.Namespace) -> int:
    def ended(runner) -> str:  # noqa: ANN001 - catching up finished a rebuild a crash had left
        return (f" {facts_count(runner.rules_ended)} som en ombyggnad lämnade kvar och reglerna inte"
                " längre visar har fått ett slut." if runner.rules_ended else "")
    return _process(lambda runner: runner.catch_up(_progress(runner)),
                    lambda done: f"Vyerna är à jour ({counted(done, 'ny händelse', 'nya händelser')}).", ended)


def _rebuild(args: argparse.Namespace) -> int:
    def kept(runner) -> str:  # noqa: ANN001
        return (f" Den ersatta utlämnandeloggen ({rows_counted(runner.replaced_rows)}) finns kvar:"
                " `sigill views log --case N --replaced`." if runner.replaced_rows else "") + (
            f" {facts_count(runner.rules_ended)} som den ersatta loggen visade och reglerna inte längre"
            " visar har fått ett slut (orsak: utlämnandereglerna ändrades)." if runner.rules_ended else "")
    renewed = (" Alla flödesmeddelanden och uppgifter har fått nya id:n (efter återställningen): aktörernas"
               " integrationer tar sina flöden från början." if args.after_restore else "")

    follower = [False]

    def work(runner) -> int:  # noqa: ANN001
        if args.after_restore:
            _refuse_while_a_follower_works(runner)
        follower[0] = _a_follower_works(runner)
        done = runner.rebuild(_progress(runner, rebuilding=True), renew_ids=args.after_restore)
        follower[0] = follower[0] or _a_follower_works(runner)
        return done
    return _process(work, lambda done: _rebuilt(done, by_a_follower_too=follower[0]),
                    lambda runner: kept(runner) + renewed)


def _rebuilt(done: int, by_a_follower_too: bool) -> str:
    """What the rebuild did.  A follower at work catches the emptied views up as this command does, and each batch
    is written by whichever gets there first: the command's own count was the follower's leftovers — "ur 0
    händelser" when it did it all."""
    if not by_a_follower_too:
        return f"Vyerna återuppbyggda ur {events_counted(done)}."
    return ("Vyerna återuppbyggda och à jour, tillsammans med följaren som arbetar på databasen (`sigill serve`"
            f" eller `sigill follow`); det här kommandot bearbetade själv {events_counted(done)}, följaren resten.")


def _a_follower_works(runner) -> bool:  # noqa: ANN001 - a ViewRunner
    from services.bootstrap import a_follower_works

    return a_follower_works(runner)


def _refuse_while_a_follower_works(runner) -> None:  # noqa: ANN001 - a ViewRunner
    """``--after-restore`` makes the ids' secret anew: a `sigill serve` or `sigill follow` still up keeps the old
    one in memory and would go on keying new messages and facts by it — the very ids the restore must not reuse.
    Every such process runs a follower, and one of them holds the followers' lock: refused while it is held."""
    from services.settings import ConfigurationError

    if _a_follower_works(runner):
        raise ConfigurationError("a Sigill follower works on this database (`sigill serve` or `sigill follow` is"
                                 " running): stop every Sigill process first — --after-restore makes the ids'"
                                 " secret anew, and a process that stays up keys new messages by the old one"
                                 " (deploy/README.md, section 7)")


def _process(work, said: Callable[[int], str], then=lambda runner: "") -> int:  # noqa: ANN001
    from services.runtime import collector_paused, settle_heap

    with _runner() as runner:
        settle_heap()  # the follower's garbage collection: a rebuild judges as much as it does
        with collector_paused():   # a process of its own: nothing else waits for the collector meanwhile
            done = work(runner)
        after = then(runner)
    if done:
        print(file=sys.stderr)  # end the progress line
    print(said(done) + after)
    return 0


def _calendar(args: argparse.Namespace) -> int:
    """The follower's calendar round, for an installation with none working (cron): the moments that have passed,
    and the erasure messages of cases erased since — it recorded the moments alone, so an erased case stayed in every
    agency's list and views, and no feed was told to delete it, until some follower ran."""
    with _runner() as runner:
        recorded = runner.keep_calendar()
        erased = runner.store.record_erasures()  # type: ignore[attr-defined]
    print(f"{counted(recorded, 'kalenderhändelse registrerad', 'kalenderhändelser registrerade')}.")
    if erased:
        print(f"{counted(erased, 'raderingsmeddelande lagt', 'raderingsmeddelanden lagda')} i aktörernas flöden"
              " (gallrade ärenden).")
    return 0


def _cases(args: argparse.Namespace) -> int:
    """Each case listed shows its number, phase, next meeting…: a read of it, in the access log like ``views show``."""
    with reading() as (runner, service, reader):
        known_agency(runner.app.catalogue, args.agency)
        runner.catch_up()
        rows = service.audit_case_list(reader, args.agency, lambda: runner.store.cases(args.agency), args.purpose)
        print(f"{agency_name(args.agency, runner.app.catalogue)}: {cases_counted(len(rows))}")
        for r in rows:
            in_force = r["consents_in_force"]
            extra = (f", {counted(in_force, 'samtycke', 'samtycken')} gäller" + (
                f" (första slutar {r['next_consent_end']})" if r["next_consent_end"] else "")) \
                if in_force is not None else ""
            number = shown_case_number(r["case_number"], f"(nummer ej synligt: {unnumbered_row(r)})")
            print(f"  {number}  fas: {PHASES.get(r['phase'], '–')}  "
                  f"nästa möte: {r['next_meeting'] or '–'}  "
                  f"plan: {describe_plan_status(r['plan_revision'], r['plan_follow_up']) or '–'}{extra}")
    return 0


@contextmanager
def reading() -> Iterator:
    """The views' runner, with the case service and the reader this command line is: what it shows of a case is
    a read, in the access log like any other (``sigill audit``'s reads are too)."""
    from domain.errors import CaseErased
    from services.bootstrap import build_case_service, build_view_runner
    from services.cli_audit import command_line_reader, erased_said

    with opened(existing=True) as (app, settings, location):
        runner = build_view_runner(app, settings, location)
        service = build_case_service(app, settings, location, runner=runner)
        try:
            yield runner, service, command_line_reader()
        except CaseErased as erased:   # when, under which decision, and where its log still is: as `sigill audit`
            raise CaseErased(erased_said(erased, settings, location)) from None
        finally:
            service.access_log.store.close()


def _show(args: argparse.Namespace) -> int:
    with reading() as (runner, service, reader):
        app = runner.app
        known_agency(app.catalogue, args.agency)
        case_id = app.resolve_case(args.case)
        runner.catch_up()
        stored = service.audit_view(reader, case_id, args.agency, lambda: runner.store.facts(args.agency, case_id),
                                    args.purpose)
        facts = _select(stored, args.what)
        # The guardians' numbers, from the case itself: asked before anything is printed, so an erased case (its
        # views emptied at the follower's next round) is one line, not a heading of "0 uppgifter" and then a failure.
        roles = guardian_roles(app.get_case(case_id).known_guardians)
        seen = facts_count(len(facts))
        print(f"{agency_name(args.agency, app.catalogue)} ser {seen} i ärendet ({WHAT[args.what]}):")
        # Who consented, from the consent facts the agency itself sees (all of them, whatever part is shown).
        # A follow-up names its plan row, from the rows the agency sees (all of them, as its consents).
        known, rows = known_consents(stored), plan_rows(stored)
        if args.what == "meetings":
            print(f"  {_next_meeting_line(stored, args.agency, app.catalogue, known, roles)}")
        for f in facts:
            basis = describe_basis_with_ids(f.basis, app.catalogue, known, roles, recipient=args.agency)
            print(f"  {f.recorded_at.astimezone(STOCKHOLM):%Y-%m-%d}  {KINDS.get(f.kind, f.kind):<14}"
                  f" {_described(f, app.catalogue, roles, rows):<70}  [{basis}]")
    return 0


def _next_meeting_line(stored: list, agency: str, catalogue, known: dict,  # noqa: ANN001 - the catalogue
                       roles: dict[str, int]) -> str:
    """The next meeting as the web's Möten says it above the meetings (``web.views.planned_meeting``): of the facts
    the agency sees, the one they leave standing (``agency_queries.next_meeting``: a meeting's next meeting or one
    planned on its own), with its kind, whom it comes from and on what basis; none standing, said as the web says it."""
    from projections import agency_queries as q

    planned = q.next_meeting(stored)
    if planned is None:
        return NO_NEXT_MEETING if agency == catalogue.lead_agency else NO_NEXT_MEETING_SHOWN
    kind = MEETING_KINDS.get(planned.kind or "", "")
    source = planned.source
    return (f"Planerat möte: {planned.on}" + (f" ({kind})" if kind else "")
            + f" · Från {agency_name(source.origin, catalogue)}"
            + f"  [{describe_basis_with_ids(source.basis, catalogue, known, roles, recipient=agency)}]")


def _described(fact, catalogue, roles: dict[str, int],  # noqa: ANN001 - a stored view's fact, the catalogue
               rows: dict[str, list] | None = None) -> str:
    """What the fact says, as the demo and `audit replay` say it — the case, a consent, who is in the group, who
    attended a meeting (only texts were shown, so most of a timeline read as bare kinds: "möte", "medlem"), a
    follow-up with its plan row (``rows``: ``plan_rows`` of what the agency sees) — but the guardians by role, as the
    bases name them: this output ends up in tickets and chats.  A stored fact of an older shape than the renderer
    knows falls back to its text."""
    shown = SimpleNamespace(kind=fact.kind, content=_guardians_by_role(fact.kind, fact.content, roles),
                            version=fact.version)
    try:
        return describe_fact(shown, catalogue, rows)
    except (KeyError, TypeError, ValueError):
        return str(fact.content.get("text") or fact.content.get("goal") or fact.content.get("main_goal") or "")


def _guardians_by_role(kind: str, content: dict, roles: dict[str, int]) -> dict:
    """"vårdnadshavare 1" where the content names a guardian (a consent's consenter, the guardians recorded)."""
    def role(guardian_id: str) -> str:
        return f"vårdnadshavare {roles[guardian_id]}" if guardian_id in roles else "en vårdnadshavare"

    if kind.startswith("consent.") and content.get("consenter") != YOUNG_PERSON:
        return {**content, "consenter_name": role(str(content.get("consenter")))}
    if kind == "guardians":
        return {**content, "guardians": [{**g, "name": role(str(g.get("guardian_id")))}
                                         for g in content.get("guardians", ())]}
    return content


def _follow(args: argparse.Namespace) -> int:
    import logging
    import signal
    import threading

    from services.bootstrap.feeds import build_follower
    from services.cli_serve import LOG_FORMAT, warn_of_an_unverified_database
    from services.runtime import hand_over_promptly, settle_heap

    logging.basicConfig(level=logging.WARNING, format=LOG_FORMAT)
    logging.getLogger("sigill").setLevel(logging.INFO)  # our lines; the embedded server's chatter stays quiet
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with opened() as (app, settings, location):
        warn_of_an_unverified_database(settings)   # it reads every case's events, as `sigill serve` does
        follower = build_follower(app, settings, location)
        settle_heap()
        hand_over_promptly()
        print("Följer händelserna: vyer, granskningsliggare och kalender hålls aktuella (Ctrl-C avslutar).",
              flush=True)
        try:
            follower.run(stop)
        except KeyboardInterrupt:
            pass
    print("Avslutat.")
    return 0
