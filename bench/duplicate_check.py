"""How long a referral's duplicate check takes in a municipality with many open cases, and the referral's turn.

Imports --cases open cases in 0180 (each its own young person), catches the views up, then times, --runs times each:
the check's parts (the case list, its young persons, the referrals stored after the views' position), the check
(``services.duplicate_check.open_cases_of`` for a young person with no case: every open case read), the
municipality's turn alone (``ReferralTurns.turn``), and the check in the turn.  With
--behind N, N referrals are stored after the views' position first (the check decodes them, as the views would).

    .venv/bin/python bench/duplicate_check.py [--cases 1000] [--runs 7] [--behind 0]
"""

from __future__ import annotations

import argparse
import time
from datetime import date

from bench_support import bench_application, service_on, young_people  # noqa: E402  first: the project's path
from services.duplicate_check import open_cases_of  # noqa: E402
from services.importer import ImportedReferral, import_cases  # noqa: E402
from tests.service_behaviour import SOCIAL  # noqa: E402

def _referrals(people, count: int):
    for personnummer in (next(people) for _ in range(count)):
        yield ImportedReferral("0180", personnummer, "Bänk Test", "lul6", "polis", date(2026, 2, 1), "Bänk.", "crime")


def _ms(call, runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    return times


def _say(what: str, times: list[float]) -> None:
    print(f"{what}: median {sorted(times)[len(times) // 2]:.1f} ms, {min(times):.1f}–{max(times):.1f} ms over {len(times)}"
          " runs", flush=True)


def _empty_turn(service):
    def turn() -> None:
        with service.referral_turns.turn("0180"):
            pass   # a connection of the turns' pool, BEGIN, the lock, ROLLBACK
    return turn


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=1_000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--behind", type=int, default=0)
    args = parser.parse_args()
    with bench_application() as (app, settings, location):
        people = young_people()
        import_cases(app, _referrals(people, args.cases), by=SOCIAL)
        with service_on(app, settings, location) as (service, runner):
            runner.catch_up()
            if args.behind:
                import_cases(app, _referrals(people, args.behind), by=SOCIAL)
                service.lists.catch_up = lambda wait=True: None   # type: ignore[method-assign]  the views held back
            lead, today = app.catalogue.lead_agency, date(2026, 6, 1)
            nobody_yet = next(people)   # no case of theirs: the check reads every open case and finds none

            def check() -> None:
                assert open_cases_of(service.lists, lead, "0180", nobody_yet, today) == ()

            def in_turn() -> None:
                with service.referral_turns.turn("0180"):   # type: ignore[union-attr]
                    check()

            check()   # the keys warmed, as on a worker that has served before
            lists = service.lists
            ids = [r["case_id"] for r in lists.cases(lead, "0180")]
            _say(f"the list of {args.cases:,} cases", _ms(lambda: lists.cases(lead, "0180"), args.runs))
            _say("their young persons", _ms(lambda: lists.young_persons(ids), args.runs))
            _say("what is stored after the views' position",
                 _ms(lambda: lists.opened_and_closed_after(lists.caught_up()), args.runs))
            _say("the check", _ms(check, args.runs))
            _say("the turn alone", _ms(_empty_turn(service), args.runs))
            _say("the check in the municipality's turn", _ms(in_turn, args.runs))


if __name__ == "__main__":
    main()
