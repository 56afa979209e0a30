"""How long `sigill erase --due` (``CaseService.due_for_culling``) takes over a municipality's closed cases.

Seeds --cases closed cases in 0180 (each: referral, eligibility, guardians, three consents, two members, closure —
10 events; the young person turns 18 on 2027-03-14, after the closure: a calendar fact on a closed case, which
the retention period does not count from), catches the views up, then lists the due cases with a new application
each time (nothing of the cases in memory): at 2027-06-01, when no case is due (the views' plaintext leave every
one out: nothing is read), and at 2033-01-01, when every one is (each is read and judged whole: the worst case),
twice each.

    .venv/bin/python bench/retention.py [--cases 1000]
"""

from __future__ import annotations

import argparse
import time
from datetime import datetime, timezone

from bench_support import bench_application, closed_cases, fresh_service, views_caught_up  # noqa: E402  first
from services.cli_audit import command_line_reader  # noqa: E402
from services.clock import ManualClock  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=1_000)
    args = parser.parse_args()
    with bench_application() as (app, settings, location):
        started = time.monotonic()
        closed_cases(app, args.cases)
        views_caught_up(app, settings, location)
        print(f"seeded {args.cases:,} closed cases in {time.monotonic() - started:.1f} s", flush=True)
        for when in (datetime(2027, 6, 1, tzinfo=timezone.utc), datetime(2033, 1, 1, tzinfo=timezone.utc)) * 2:
            with fresh_service(settings, location, clock=ManualClock(when)) as (service, runner):
                runner.catch_up()
                started = time.monotonic()
                found = service.due_for_culling(command_line_reader(), "0180")
                took = time.monotonic() - started
            print(f"at {when:%Y-%m-%d}: {len(found.cases):,} of {args.cases:,} closed cases due, {took:.2f} s"
                  f" ({took / args.cases * 1000:.2f} ms a closed case)", flush=True)


if __name__ == "__main__":
    main()
