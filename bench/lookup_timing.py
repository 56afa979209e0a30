"""How long a member's lookup by case number takes to answer "no such case": for a number taken by a case it may
not see, and for a number never given — the side channel a red team found on 2026-12-05 (README, "Nor is the
answer's *time* the same"): the two should take the same time.

Imports --cases cases in 0180 (every other one with the school in the group, no consent covering it; the rest
without the school), catches the views up, then times ``CaseService.find`` for a school user of 0180 on the
service as the API calls it: --lookups of each kind, in turns (a taken number, one never given, and another never
given, each kind first, second and last in turn, so that drift weighs on all alike), after a warm-up of every
number (each case read once, as on a worker that has served before).  Prints the median of each, the difference
of the first two, and that of the two never given: how far apart two medians of the same work fall here, now.

    .venv/bin/python bench/lookup_timing.py [--cases 400] [--lookups 4000]
"""

from __future__ import annotations

import argparse
import os
import time
from datetime import date

from bench_support import bench_application, service_on, young_people  # noqa: E402  first: the project's path
from services.errors import CaseNotFound  # noqa: E402
from services.importer import ImportedReferral, import_cases  # noqa: E402
from services.principals import Principal, Role  # noqa: E402
from tests.builders import SOCIAL  # noqa: E402

SCHOOL_USER = Principal("bench-kurator", "Bänk Kurator", "skola", frozenset({Role.MEMBER}), "0180")


def _school_in_some(app):
    """Every other case: accepted, the school in the group, no consent — a member no consent lets see the case."""
    cat, count = app.catalogue, [0]

    def history(case) -> None:
        count[0] += 1
        if count[0] % 2:
            return
        at = case.last_recorded_at
        case.decide_eligibility(accepted=True, reasons="Risk.", instruments=("SAVRY",), decided_on=date(2026, 2, 2),
                                by=SOCIAL, at=at, catalogue=cat)
        case.add_member(agency="skola", contact_person="Kontakt", role="kontakt", by=SOCIAL, at=at, catalogue=cat)
    return history


def _not_found_µs(service, number: str) -> float:
    started = time.perf_counter_ns()
    try:
        service.find(SCHOOL_USER, number)
    except CaseNotFound:
        return (time.perf_counter_ns() - started) / 1000
    raise AssertionError(f"{number} was found: the school may see no case of this bench")


def _median(values: list[float]) -> float:
    """(Not the standard library's: bench/statistics.py is this folder's, first on a script's path.)"""
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=400)
    parser.add_argument("--lookups", type=int, default=4000)
    args = parser.parse_args()
    with bench_application() as (app, settings, location):
        people = young_people()
        import_cases(app, (ImportedReferral("0180", next(people), "Bänk Test", "lul6", "polis", date(2026, 2, 1),
                                            "Bänk.", "crime") for _ in range(args.cases)),
                     by=SOCIAL, then=_school_in_some(app))
        with service_on(app, settings, location) as (service, runner):
            runner.catch_up()
            taken = sorted(r["case_number"] for r in service.lists.cases(app.catalogue.lead_agency, "0180"))
            year = taken[0].split("-")[1]
            never = [f"0180-{year}-{n:04d}" for n in range(5001, 5001 + args.cases)]
            others = [f"0180-{year}-{n:04d}" for n in range(7001, 7001 + args.cases)]   # the noise floor's
            for number in taken + never + others:   # every case read once, the series kept
                _not_found_µs(service, number)
            numbers = {"taken": taken, "never": never, "others": others}
            times: dict[str, list[float]] = {kind: [] for kind in numbers}
            kinds = list(numbers)
            for i in range(args.lookups):
                for kind in kinds[i % 3:] + kinds[:i % 3]:   # each kind first, second and last in turn
                    times[kind].append(_not_found_µs(service, numbers[kind][i % args.cases]))
            a, b, c = (_median(times[kind]) for kind in kinds)
            load = " ".join(f"{x:.2f}" for x in os.getloadavg())
            print(f"{args.cases} cases, {args.lookups} lookups of each kind, load average {load}")
            print(f"(a) taken, not the school's to see: median {a:7.1f} µs")
            print(f"(b) never given:                    median {b:7.1f} µs")
            print(f"difference (a) − (b):                      {a - b:+7.1f} µs")
            print(f"noise floor: (b) − other numbers never given {b - c:+7.1f} µs")


if __name__ == "__main__":
    main()
