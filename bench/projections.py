"""Agency views catch-up rate over realistic cases, beside the raw rate of reading and decoding them.

Imports N realistic cases (referral, eligibility, guardians, consents, group, plan revisions, meetings,
contributions, follow-ups, a withdrawal) through the batch path, then times
  1. reading and decoding every notification (the floor: what any projection must do),
  2. building every agency's view and the disclosure log from scratch (rebuild), all agencies together: judged by
     worker processes, as the product judges a long build (services/build_workers.py, --workers), and again by this
     process alone, in the same run; what only a rebuild over built views does (keeping the log it replaces, ending what that
     showed and the new one does not) is not counted in either.
Target: ≥ 20,000 events/s over ≥ 200,000 events on 2 cores.

With --stages it also times, between the two, what the rebuild does before it writes anything:
  decode + fold   every case folded from its events (its state and facts), nothing judged;
  + judge         the same through the views' engine (every agency's visible facts and every change of the
                  disclosure log worked out, in memory), nothing written.
so the run shows where the per-event budget goes.

With --again it then rebuilds once more, as an operator's `sigill views rebuild` does on built views: the first
rebuild's log is kept as a replaced log first (gateways/replaced_log.py).

Usage: .venv/bin/python bench/projections.py [--events 200000] [--workers N] [--stages] [--again]
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from domain.group_commands import PlanRowDraft  # noqa: E402
from domain.values import YOUNG_PERSON, Actor, Decision, Guardian, Outcome, ScopeEntry  # noqa: E402
from bench_support import bench_application, postgres_cpu_seconds, young_people  # noqa: E402
from domain.disclosure import Replay  # noqa: E402
from projections.agency_views import AgencyViews  # noqa: E402
from services.bootstrap import build_view_runner  # noqa: E402
from services.build_workers import default_workers  # noqa: E402
from services.view_runner import CASE_TOPICS  # noqa: E402
from services.runtime import collector_paused, settle_heap  # noqa: E402
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
        # Each revision changes something, as a real one does (one the same as the current plan is refused).
        for main_goal in ("Sluta med brott", "Sluta med brott och gå i skolan"):
            case.revise_plan(main_goal=main_goal, rows=rows, by=SOCIAL, at=at, catalogue=cat,
                             young_person_took_part=True, guardians_took_part=tuple(case.guardians)[:1])
            case.record_meeting(held_on=date(2026, 2, 1), attendees=("socialtjanst", "skola", "polis", "bup"),
                                other_attendees=("Den unge",), outcomes=(
                                    Outcome("school", "skola", "Närvaron har ökat."),
                                    Outcome("health", "bup", "Samtalen fortsätter."),
                                    Outcome("crime", "polis", "Inga nya misstankar.")),
                                decisions=(Decision("Följ upp skolan.", "case"),), next_meeting=date(2026, 3, 1),
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
    parser.add_argument("--stages", action="store_true",
                        help="also time decode + fold and decode + fold + judge (nothing written)")
    parser.add_argument("--workers", type=int, default=default_workers(),
                        help="processes judging the build (as the product starts; default: one a core, at most 8),"
                             " timed beside this process judging alone; 1: alone only")
    parser.add_argument("--again", action="store_true",
                        help="also time a second rebuild, which first keeps the first one's log as a replaced log")
    args = parser.parse_args()
    with bench_application() as (app, settings, location):
        people = young_people()   # one case each: an import refuses a second open case for one young person
        imported = {"events": 0, "cases": 0}

        def referrals():
            while imported["events"] < args.events:  # cases until at least the asked number of events
                yield ImportedReferral("0180", next(people), "Bänk Test", "lul6", "polis", date(2026, 1, 1),
                                       "Misstanke.", "crime")

        def progress(cases: int, events: int) -> None:
            imported.update(events=events, cases=cases)
            print(f"\r  importing: {events:,} events", end="", file=sys.stderr)

        events = import_cases(app, referrals(), by=SOCIAL, then=realistic_history(app), batch_size=50,
                              progress=progress)
        print(file=sys.stderr)
        total = app.recorder.max_notification_id()
        settle_heap()  # the process as `sigill views rebuild` and the follower judge in (its garbage collection)
        with collector_paused():   # as `sigill views rebuild` and `views catch-up` run (services/cli_views.py)
            measure(app, settings, location, args, events, imported, total)


def measure(app, settings, location, args, events: int, imported: dict, total: int) -> None:
    """Read + decode, the stages (--stages), the rebuild, and a second rebuild (--again); printed."""
    started, cpu, position, decoded = time.perf_counter(), time.process_time(), 0, 0
    while page := app.recorder.select_notifications(start=position, limit=500, inclusive_of_start=False):
        decoded += sum(1 for n in page if app.mapper.to_domain_event(n) is not None)
        position = page[-1].id
    raw, raw_cpu = decoded / (time.perf_counter() - started), time.process_time() - cpu

    stages = in_memory_stages(app) if args.stages else []

    print(f"{events:,} events in {imported['cases']:,} cases ({total:,} notifications incl. case numbers)")
    print(f"read + decode notifications          {raw:>9,.0f} events/s   "
          f"(this process's CPU {raw_cpu * 1e6 / decoded:,.0f} µs/event)")
    runner = build_view_runner(app, settings, location)
    ways = [(args.workers, f"{args.workers} processes judging"), (1, "this process judging alone")]
    rates = []
    for workers, name in (ways if args.workers > 1 else ways[1:]):
        runner.build_workers = workers
        processed, seconds, cpu_us, workers_us, pg_us, pg_share, worker_mib = timed_build(runner)
        rates.append(processed / seconds)
        print(f"all agency views + disclosure log     {processed / seconds:>9,.0f} events/s   "
              f"({name}: {processed:,} in {seconds:.1f} s; this process's CPU {cpu_us:,.0f} µs/event"
              + (f", the workers' {workers_us:,.0f}" if workers > 1 else "") + "; target ≥ 20,000 events/s)")
        if pg_us is not None:  # where the rest of the cores went: the views' writes in the database
            print(f"  the embedded PostgreSQL's CPU meanwhile                   "
                  f"({pg_us:,.0f} µs/event, {pg_share:.0%} of one core)")
        if workers > 1:   # what an operator sizes a host by
            print(f"  peak memory: the largest worker {worker_mib:,.0f} MiB, this process"
                  f" {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MiB (the import of the cases included)")
    for name, rate, cpu_us in stages:
        print(f"{name:<37} {rate:>9,.0f} events/s   (this process's CPU {cpu_us:,.0f} µs/event; nothing written)")
    print(f"ratio views / read + decode           {rates[0] / raw:>9.1%}   (the first build above)")
    if args.again:   # what an operator's `sigill views rebuild` costs on a built installation
        started = time.perf_counter()
        again = runner.rebuild(lambda n: print(f"\r  rebuilding again: {n:,} events", end="", file=sys.stderr))
        print(file=sys.stderr)
        print(f"rebuild again, keeping {runner.replaced_rows:,} log rows {again / (time.perf_counter() - started):>9,.0f}"
              f" events/s   ({time.perf_counter() - started:.1f} s)")


def timed_build(runner) -> tuple[int, float, float, float, float | None, float, float]:
    """A rebuild from scratch, without what only a rebuild over built views does — keeping the log before as a
    replaced log, and ending what it showed that the new log does not (``clear``, ``finish_build``: the first
    rebuild has no log before, a later one copies and sorts every row of it): events, seconds, CPU µs an event of
    this process, of its build's worker processes together, and of the embedded PostgreSQL (None: not
    measurable), PostgreSQL's share of one core, and the largest worker's peak resident memory in MiB (Linux's
    ru_maxrss of the children waited for: the workers, once joined)."""
    left_out = {"seconds": 0.0, "cpu": 0.0, "pg": 0.0}
    store = runner.store
    originals = {name: getattr(store, name) for name in ("clear", "finish_build")}

    def not_counted(work):
        def timed(*args, **kwargs):
            started, cpu, pg = time.perf_counter(), time.process_time(), postgres_cpu_seconds()
            try:
                return work(*args, **kwargs)
            finally:
                left_out["seconds"] += time.perf_counter() - started
                left_out["cpu"] += time.process_time() - cpu
                left_out["pg"] += (postgres_cpu_seconds() or 0) - (pg or 0)
        return timed
    for name, work in originals.items():
        setattr(store, name, not_counted(work))
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    started, cpu, pg_cpu = time.perf_counter(), time.process_time(), postgres_cpu_seconds()
    try:
        processed = runner.rebuild(lambda n: print(f"\r  views: {n:,} events", end="", file=sys.stderr))
    finally:
        for name in originals:
            delattr(store, name)   # the class's own again
    seconds = time.perf_counter() - started - left_out["seconds"]
    views_cpu = time.process_time() - cpu - left_out["cpu"]
    pg_cpu = None if pg_cpu is None else postgres_cpu_seconds() - pg_cpu - left_out["pg"]
    after = resource.getrusage(resource.RUSAGE_CHILDREN)   # the workers, once joined
    workers_cpu = after.ru_utime + after.ru_stime - children.ru_utime - children.ru_stime
    print(file=sys.stderr)
    return (processed, seconds, views_cpu * 1e6 / processed, workers_cpu * 1e6 / processed,
            None if pg_cpu is None else pg_cpu * 1e6 / processed, (pg_cpu or 0) / seconds, after.ru_maxrss / 1024)


def pages(app, size: int = 2_000):
    """Every case event, decoded, in notification order, a page at a time (as the views' runner reads them)."""
    position = 0
    while page := app.recorder.select_notifications(start=position, limit=size, inclusive_of_start=False):
        position = page[-1].id
        yield [(n.id, app.mapper.to_domain_event(n)) for n in page if n.topic in CASE_TOPICS]


def in_memory_stages(app) -> list[tuple[str, float, float]]:
    """Decode + fold, and decode + fold + judge, each over every event; nothing written."""
    def timed(work) -> tuple[float, float]:
        started, cpu, count = time.perf_counter(), time.process_time(), 0
        for page in pages(app):
            work(page)
            count += len(page)
        return count / (time.perf_counter() - started), (time.process_time() - cpu) * 1e6 / count

    folds: dict = {}

    def fold(page) -> None:
        for _, event in page:
            replay = folds.get(event.originator_id)
            if replay is None:
                replay = folds[event.originator_id] = Replay((), app.catalogue)
            replay.apply(event)

    def no_history(case_id, version):
        if version:  # a case met before: the bench's views must still hold it (no reads during the timing)
            raise AssertionError("the bench's views must keep every case they judge")
        return []

    views = AgencyViews(app.catalogue, no_history)

    def judge(page) -> None:
        views.process(page)

    results = []
    for name, work in (("decode + fold (no judging)", fold), ("decode + fold + judge", judge)):
        print(f"  timing {name} …", file=sys.stderr)
        results.append((name, *timed(work)))
        folds.clear()
        views.reset()
    return results


if __name__ == "__main__":
    main()
