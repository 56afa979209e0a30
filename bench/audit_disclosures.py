"""How long `sigill audit disclosures` takes over a case with many follow-ups, its log read and every line written.

Seeds one case per size asked (--follow-ups, default 30 and 300): referral, eligibility, two guardians, three
consents (skola, polis, bup), the group, a plan of two rows, then the follow-ups in turn on both rows, an hour
apart, a new plan revision (its rows carried forward, reworded) every 50 of them, and one guardian's consent
withdrawn at the middle and given again a day later (the rows end for the members and are shown again): each
follow-up's line in the log names its plan row as the row's recipient saw it then (``services.audit_text``). The
ledger is sealed, then the command's handler (``services.cli_audit``) runs as `sigill audit disclosures --case …`
does, its output kept in memory, on a new application each round (nothing of the case in memory), the ledger's check
of the case's history included; timed apart, the service's read alone (``CaseService.audit_disclosures``, what the
handler reads the log with), and the API's and the web's read (``audit_disclosures_and_stored_log``: the log, the
stored log held to it, every fact). Best of --rounds, in time and in this process's CPU (a busy machine disturbs it
less; PostgreSQL's part of the read is not in it); the application, the ledger and the public fact ids are built
before each timed part, as the command builds them before it reads.

Usage: .venv/bin/python bench/audit_disclosures.py [--follow-ups 30 300] [--rounds 5]
"""

from __future__ import annotations

import argparse
import io
import time
from contextlib import contextmanager, nullcontext, redirect_stdout
from datetime import date, datetime, timedelta, timezone
from types import SimpleNamespace
from uuid import UUID

from bench_support import bench_application, service_on, young_people  # noqa: E402  first: the project's path
from domain.group_commands import PlanRowDraft  # noqa: E402
from domain.values import YOUNG_PERSON, Actor, Guardian, ScopeEntry  # noqa: E402
from services import cli_audit  # noqa: E402
from services.bootstrap import build_application, build_fact_ids  # noqa: E402
from services.bootstrap.audit import build_ledger  # noqa: E402
from services.clock import ManualClock  # noqa: E402
from services.importer import ImportedReferral, import_cases  # noqa: E402

SOCIAL = Actor("socialtjanst", "bench")
SCOPE = (ScopeEntry("skola", ("case", "school", "health")), ScopeEntry("polis", ("case", "school", "crime")),
         ScopeEntry("bup", ("case", "health", "school")))
START = datetime(2026, 1, 12, 8, tzinfo=timezone.utc)   # the follow-ups' hours all before today


def with_follow_ups(count: int, made: list[UUID], cat):
    """A case's history with ``count`` follow-ups (the module's docstring); its id appended to ``made``."""
    def history(case) -> None:
        at = [case.last_recorded_at]

        def then() -> datetime:
            at[0] += timedelta(hours=1)
            return at[0]
        case.decide_eligibility(accepted=True, reasons="Risk.", instruments=("SAVRY",), decided_on=date(2026, 1, 12),
                                by=SOCIAL, at=then(), catalogue=cat)
        case.record_guardians(guardians=[Guardian("", "Vårdnadshavare A"), Guardian("", "Vårdnadshavare B")],
                              by=SOCIAL, at=then(), catalogue=cat)
        consents = [case.grant_consent(consenter=c, scope=SCOPE, purpose="Samverkan", valid_from=date(2026, 1, 12),
                                       valid_until=date(2027, 6, 30), form="written", by=SOCIAL, at=then(),
                                       catalogue=cat) for c in (YOUNG_PERSON, *case.guardians)]
        for agency in ("skola", "polis", "bup"):
            case.add_member(agency=agency, contact_person="Kontakt", role="kontakt", by=SOCIAL, at=then(),
                            catalogue=cat)
        plan(case, 1, None, then(), cat)
        for n in range(count):
            if n and n % 50 == 0:
                plan(case, n // 50 + 1, list(case.plan_rows), then(), cat)
            if n == count // 2:   # the rows end for the members, and are shown again a day later
                guardian = case.consents[consents[1]].consenter
                case.withdraw_consent(consent_id=consents[1], consenter=guardian, by=SOCIAL, at=then(),
                                      catalogue=cat)
                at[0] += timedelta(days=1)
                case.grant_consent(consenter=guardian, scope=SCOPE, purpose="Samverkan", valid_from=then().date(),
                                   valid_until=date(2027, 6, 30), form="written", by=SOCIAL, at=at[0], catalogue=cat)
            row = list(case.plan_rows)[n % 2]
            case.record_follow_up(row_id=row, status="ongoing", note=f"Nr {n}.", by=SOCIAL, at=then(),
                                  catalogue=cat)
        made.append(case.id)
    return history


def plan(case, revision: int, carried: list[str] | None, at: datetime, cat) -> None:
    """A revision of two rows, BUP's and the school's, worded by its number (older revisions read otherwise)."""
    ids = carried or [None, None]
    case.revise_plan(main_goal="Sluta med brott", rows=[
        PlanRowDraft("Hälsa", f"Inga droger ({revision})", "Samtal", "Den unge", ("bup",), row_id=ids[0]),
        PlanRowDraft("Skola", f"I tid ({revision})", "Väckarklocka", "Föräldrarna", ("skola",), row_id=ids[1])],
        by=SOCIAL, at=at, catalogue=cat, young_person_took_part=True)


@contextmanager
def reader(settings, location):
    """What `sigill audit`'s ``as_reader`` yields, on a new application (nothing of the case in memory)."""
    app = build_application(settings, location=location)
    ledger = build_ledger(app, settings, location)
    try:
        with service_on(app, settings, location, ledger) as (service, _):
            yield service, cli_audit.command_line_reader(), ledger, build_fact_ids(app, settings, location)
    finally:   # every pool closed: the rounds' applications would use up the server's connections
        app.close()


def timed(settings, location, case_id: UUID, rounds: int
          ) -> tuple[tuple[float, float], tuple[float, float], float, float, str]:
    """Best of ``rounds``: the service's read alone, the API's read (with the stored log, caught up before), and the
    command's work (its read and its lines, the application and the ledger built before, as the command does before
    it reads), in time and in this process's CPU (what a busy machine disturbs less; each read's too); the command's
    output."""
    read = api = (float("inf"), float("inf"))
    command = cpu = float("inf")
    output = ""
    for _ in range(rounds):
        with reader(settings, location) as (service, principal, _, _ids):
            started, used = time.perf_counter(), time.process_time()
            service.audit_disclosures(principal, case_id, None, "bench")
            read = _least(read, time.perf_counter() - started, time.process_time() - used)
        with reader(settings, location) as (service, principal, _, _ids):
            service.lists.catch_up()   # the views' catch-up is the stored log's, not the fold's: outside the time
            started, used = time.perf_counter(), time.process_time()
            service.audit_disclosures_and_stored_log(principal, case_id, None, "bench")
            api = _least(api, time.perf_counter() - started, time.process_time() - used)
        with reader(settings, location) as built:
            cli_audit.as_reader = lambda trust=(): nullcontext(built)   # the command's own handler, on the bench's
            out = io.StringIO()
            with redirect_stdout(out):
                started, used = time.perf_counter(), time.process_time()
                cli_audit._disclosures(SimpleNamespace(case=str(case_id), agency=None, purpose="bench"))
                command, cpu = min(command, time.perf_counter() - started), min(cpu, time.process_time() - used)
        output = out.getvalue()
    return read, api, command, cpu, output


def _least(best: tuple[float, float], wall: float, cpu: float) -> tuple[float, float]:
    """The least wall time and the least CPU time so far, each on its own."""
    return min(best[0], wall), min(best[1], cpu)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--follow-ups", type=int, nargs="+", default=[30, 300])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    with bench_application() as (app, settings, location):
        seeding = build_application(settings, location=location, clock=ManualClock(START))
        people, made = young_people(), []
        try:
            for count in args.follow_ups:
                import_cases(seeding, [ImportedReferral("0180", next(people), "Bänk Test", "lul6", "polis",
                                                        date(2026, 1, 10), "Misstanke.", "crime")],
                             by=SOCIAL, then=with_follow_ups(count, made, seeding.catalogue))
        finally:
            seeding.close()
        build_ledger(app, settings, location).seal()
        for count, case_id in zip(args.follow_ups, made):   # each the command's work, then the lines it wrote
            read, api, command, cpu, output = timed(settings, location, case_id, args.rounds)
            lines = output.splitlines()
            follow_ups = [line for line in lines if "  Uppföljning " in line]
            named = sum("av raden" in line for line in follow_ups)
            print(f"{count:>4} follow-ups: {len(lines):>5,} log lines, {len(follow_ups):>5,} of follow-ups"
                  f" ({named:,} naming their row); read {read[0] * 1000:6.1f} ms (CPU {read[1] * 1000:6.1f}), the API's"
                  f" read {api[0] * 1000:6.1f} ms (CPU {api[1] * 1000:6.1f}), the whole command"
                  f" {command * 1000:7.1f} ms, its CPU {cpu * 1000:7.1f} ms (best of {args.rounds})", flush=True)


if __name__ == "__main__":
    main()
