"""Agency views catch-up rate over realistic cases, beside the raw rate of reading and decoding them.

Imports N realistic cases (referral, eligibility, guardians, consents, group, plan revisions, meetings,
contributions, follow-ups, a withdrawal) through the batch path, then times
  1. reading and decoding every notification (the floor: what any projection must do),
  2. building every agency's view and the disclosure log from scratch (rebuild), all agencies together.
Target: ≥ 20,000 events/s over ≥ 200,000 events on 2 cores.

Usage: .venv/bin/python bench/projections.py [--events 200000]
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from domain.group_commands import PlanRowDraft  # noqa: E402
from domain.values import YOUNG_PERSON, Actor, Decision, Guardian, Outcome, ScopeEntry  # noqa: E402
from bench_support import bench_application  # noqa: E402
from services.bootstrap import build_view_runner  # noqa: E402
from services.runtime import settle_heap  # noqa: E402
from services.importer import ImportedReferral, import_cases  # noqa: E402

SOCIAL, POLICE, SCHOOL, BUP = (Actor(a, "bench") for a in ("socialtjanst", "polis", "skola", "bup"))
SCOPE = (ScopeEntry("skola", ("case", "school", "health")), ScopeEntry("polis", ("case", "school", "crime")),
         ScopeEntry("bup", ("case", "health", "school")))


def realistic_history(app):
    cat = app.catalogue

    def history(case) -> None:
        at = case.last_recorded_at
        case.decide_eligibility(accepted=True, reasons="Risk.", instruments=("SAVRY",), decided_on=date(2026, 1, 1),
                                by=SOCIAL, at=at, catalogue=cat)
        case.record_guardians(guardians=[Guardian("", "Vårdnadshavare A"), Guardian("", "Vårdnadshavare B")],
                              by=SOCIAL, at=at, catalogue=cat)
        consents = [case.grant_consent(consenter=c, scope=SCOPE, purpose="Samverkan", valid_from=date(2026, 1, 1),
                                       valid_until=date(2027, 1, 1), form="written", by=SOCIAL, at=at, catalogue=cat)
                    for c in (YOUNG_PERSON, *case.guardians)]
        for agency in ("skola", "polis", "bup"):
            case.add_member(agency=agency, contact_person="Kontakt", role="kontakt", by=SOCIAL, at=at, catalogue=cat)
        rows = [PlanRowDraft("Hälsa", "Inga droger", "Samtal", "Den unge", ("bup",)),
                PlanRowDraft("Skola", "I tid", "Väckarklocka", "Föräldrarna", ("skola",))]
        for revision in range(2):
            case.revise_plan(main_goal="Sluta med brott", rows=rows, by=SOCIAL, at=at, catalogue=cat)
            case.record_meeting(held_on=date(2026, 2, 1), attendees=("socialtjanst", "skola", "polis", "bup"),
                                other_attendees=("Den unge",), outcomes=(
                                    Outcome("school", "skola", "Närvaron har ökat."),
                                    Outcome("health", "bup", "Samtalen fortsätter."),
                                    Outcome("crime", "polis", "Inga nya misstankar.")),
                                decisions=(Decision("Följ upp skolan."),), next_meeting=date(2026, 3, 1),
                                by=SOCIAL, at=at, catalogue=cat)
            for i in range(3):
                case.record_contribution(category="school", text=f"Närvaro vecka {i}.", by=SCHOOL, at=at,
                                         catalogue=cat)
                case.record_contribution(category="crime", text=f"Iakttagelse {i}.", by=POLICE, at=at,
                                         catalogue=cat)
            row = next(iter(case.plan_rows.values()))
            case.record_follow_up(row_id=row.row_id, status="ongoing", note="Pågår.", by=SOCIAL, at=at, catalogue=cat)
        case.withdraw_consent(consent_id=consents[1], consenter=case.consents[consents[1]].consenter, by=SOCIAL,
                              at=at, catalogue=cat)
    return history


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=200_000)
    args = parser.parse_args()
    with bench_application() as (app, settings, location):
        referral = ImportedReferral("0180", "20090314-2388", "Bänk Test", "lul6", "polis", date(2026, 1, 1),
                                    "Misstanke.", "crime")
        imported = {"events": 0, "cases": 0}

        def referrals():
            while imported["events"] < args.events:  # cases until at least the asked number of events
                yield referral

        def progress(cases: int, events: int) -> None:
            imported.update(events=events, cases=cases)
            print(f"\r  importing: {events:,} events", end="", file=sys.stderr)

        events = import_cases(app, referrals(), by=SOCIAL, then=realistic_history(app), batch_size=50,
                              progress=progress)
        print(file=sys.stderr)
        total = app.recorder.max_notification_id()
        settle_heap()  # the process as `sigill views rebuild` and the follower judge in (its garbage collection)

        started, cpu, position, decoded = time.perf_counter(), time.process_time(), 0, 0
        while page := app.recorder.select_notifications(start=position, limit=500, inclusive_of_start=False):
            decoded += sum(1 for n in page if app.mapper.to_domain_event(n) is not None)
            position = page[-1].id
        raw, raw_cpu = decoded / (time.perf_counter() - started), time.process_time() - cpu

        runner = build_view_runner(app, settings, location)
        started, cpu = time.perf_counter(), time.process_time()
        processed = runner.rebuild(lambda n: print(f"\r  views: {n:,} events", end="", file=sys.stderr))
        seconds, views_cpu = time.perf_counter() - started, time.process_time() - cpu
        print(file=sys.stderr)
        print(f"{events:,} events in {imported['cases']:,} cases ({total:,} notifications incl. case numbers)")
        print(f"read + decode notifications          {raw:>9,.0f} events/s   "
              f"(this process's CPU {raw_cpu * 1e6 / decoded:,.0f} µs/event)")
        print(f"all agency views + disclosure log     {processed / seconds:>9,.0f} events/s   "
              f"({processed:,} in {seconds:.1f} s; this process's CPU {views_cpu * 1e6 / processed:,.0f} µs/event;"
              f" target ≥ 20,000 events/s)")
        print(f"ratio views / read + decode           {processed / seconds / raw:>9.1%}")


if __name__ == "__main__":
    main()
