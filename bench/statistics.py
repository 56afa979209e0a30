"""How long `sigill stats` (``CaseService.statistics``) takes over a municipality's cases.

Seeds --cases cases in 0180 (each: referral, eligibility, guardians, three consents, two members — 9 events —
every other one with a plan, every fourth closed), catches the views up, then makes the 2026 statistics twice
with a new application each time (nothing of the cases in memory) and prints the wall time of each run.

    .venv/bin/python bench/statistics.py [--cases 1000]
"""

from __future__ import annotations

import argparse
import time

from bench_support import bench_application, fresh_service, views_caught_up  # noqa: E402  first: the project's path
from domain.group_commands import PlanRowDraft  # noqa: E402
from services.cli_audit import command_line_reader  # noqa: E402
from tests.service_behaviour import SOCIAL, consenting_school  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=1_000)
    args = parser.parse_args()
    with bench_application() as (app, settings, location):
        started = time.monotonic()
        for n in range(args.cases):
            case_id = consenting_school(app)
            if n % 2 == 0:
                app.revise_plan(case_id, by=SOCIAL, main_goal="Skolgång", rows=[PlanRowDraft(
                    area="Skola", goal="Närvaro", how="Mentor", responsible="Skolan", responsible_agencies=("skola",))])
            if n % 4 == 0:
                app.close_case(case_id, by=SOCIAL, reason="goals_met", outcome="Klart.")
        views_caught_up(app, settings, location)
        print(f"seeded {args.cases:,} cases in {time.monotonic() - started:.1f} s", flush=True)
        for run in (1, 2):
            with fresh_service(settings, location) as (service, _):
                started = time.monotonic()
                found = service.statistics(command_line_reader(), "0180", "2026-01-01", "2026-12-31")
                took = time.monotonic() - started
            print(f"run {run}: {found.figures['cases']} cases in the period, {took:.2f} s"
                  f" ({took / args.cases * 1000:.2f} ms a case)", flush=True)


if __name__ == "__main__":
    main()
