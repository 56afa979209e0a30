"""How long one erasure round (``record_erasures``, the follower's minute round) takes when it has nothing new to
tell, with --cases erased cases already handled.

Seeds --cases closed cases in 0180 (as ``bench/retention.py``: referral, eligibility, guardians, three consents,
two members, closure — 10 events, several agencies told), catches the views up, destroys every case's key (as
`sigill erase` does) and runs one round, which tells the agencies; then times further rounds, each with nothing
new, and the round's candidate query alone (``unseen_erasures``), three times each.

    .venv/bin/python bench/erasure_round.py [--cases 1000]
"""

from __future__ import annotations

import argparse
import time

from bench_support import bench_application, closed_cases, views_caught_up  # noqa: E402  first: the project's path
from services.bootstrap import build_view_runner  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=1_000)
    args = parser.parse_args()
    with bench_application() as (app, settings, location):
        started = time.monotonic()
        cases = closed_cases(app, args.cases)
        views_caught_up(app, settings, location)
        for case in cases:
            app.keystore.destroy(case)
        print(f"seeded and erased {args.cases:,} closed cases in {time.monotonic() - started:.1f} s", flush=True)
        runner = build_view_runner(app, settings, location)
        try:
            store = runner.store
            started = time.monotonic()
            told = store.record_erasures()
            print(f"first round: {told:,} erasure messages, {time.monotonic() - started:.3f} s", flush=True)
            for _ in range(3):
                started = time.monotonic()
                told = store.record_erasures()
                round_took = time.monotonic() - started
                started = time.monotonic()
                store._rows(store.unseen_erasures(), ())
                query_took = time.monotonic() - started
                print(f"round with nothing new ({told} told): {round_took * 1000:.1f} ms;"
                      f" its query alone {query_took * 1000:.1f} ms", flush=True)
        finally:
            runner.close()
            runner.store.close()


if __name__ == "__main__":
    main()
