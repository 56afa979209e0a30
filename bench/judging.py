"""How much judging the agency views' engine does per event, over the views' bench histories, in memory.

Builds N cases as bench/projections.py does (``realistic_history``: referral, eligibility, guardians, three
consents, the group, plan revisions, meetings, contributions, follow-ups, a withdrawal), without a database, and
folds their events through the views' engine (``CaseVisibility``, every agency of the catalogue, as
``AgencyViews`` does), then prints
  * the judge's answers asked per event (``Judge.disclosure``), by event type: what the engine judges;
  * the disclosure log's rows per event (one a change), and how many there would be were the log grouped per
    event and agency (one a concerned agency): what such a redesign would save in rows;
  * this process's CPU µs per event of fold + judge (best of --rounds), nothing decoded or written.
The counts are exact and the same on every run; the CPU time is this machine's, noisy when it is shared.

Usage: .venv/bin/python bench/judging.py [--cases 2000] [--rounds 5]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from datetime import date, datetime, timezone
from importlib.util import module_from_spec, spec_from_file_location
from pathlib import Path
from types import SimpleNamespace

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench_support import young_people  # noqa: E402
from domain.case import Case  # noqa: E402
from domain.judge import Judge  # noqa: E402
from domain.visibility import CaseVisibility  # noqa: E402
from services.catalogue_loader import load_catalogue  # noqa: E402
from services.runtime import collector_paused  # noqa: E402


def _views_bench():
    """bench/projections.py, whose histories these are (by its path: ``projections`` is the project's package)."""
    spec = spec_from_file_location("views_bench", Path(__file__).with_name("projections.py"))
    module = module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def histories(cases: int) -> list[list]:
    """Each case's events, as the bench imports them (one instant for a case's whole history, as there)."""
    catalogue = load_catalogue()
    bench = _views_bench()
    then, people, made = bench.realistic_history(SimpleNamespace(catalogue=catalogue)), young_people(), []
    at = datetime.now(timezone.utc)
    for n in range(cases):
        case = Case.receive_referral(case_number=f"0180-2026-{n:05d}", municipality="0180",
                                     personnummer=next(people), name="Bänk Test", entry_route="lul6",
                                     referring_agency="polis", referral_date=date(2026, 1, 1), summary="Misstanke.",
                                     summary_category="crime", by=bench.SOCIAL, at=at, catalogue=catalogue)
        then(case)
        made.append(list(case.collect_events()))
    return made


def fold_and_judge(cases: list[list], catalogue, agencies: tuple[str, ...]) -> None:
    for events in cases:
        engine = CaseVisibility(catalogue, agencies)
        for event in events:
            engine.apply(event)


def counted(cases: list[list], catalogue, agencies: tuple[str, ...]) -> tuple[Counter, Counter, Counter, Counter]:
    """Judge answers asked, events, the disclosure log's changes (a row each in the log today), and the agencies
    those changes concern (a row each, were the log grouped per event and agency), by event type."""
    asked, events, changes, concerned, original = Counter(), Counter(), Counter(), Counter(), Judge.disclosure
    current = [""]

    def disclosure(self, fact):   # noqa: ANN001
        asked[current[0]] += 1
        return original(self, fact)

    Judge.disclosure = disclosure
    try:
        for history in cases:
            engine = CaseVisibility(catalogue, agencies)
            for event in history:
                current[0] = type(event).__name__
                events[current[0]] += 1
                made = engine.apply(event)
                changes[current[0]] += len(made)
                concerned[current[0]] += len({change.agency for change in made})
    finally:
        Judge.disclosure = original
    return asked, events, changes, concerned


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    catalogue = load_catalogue()
    agencies = tuple(catalogue.agencies)
    cases = histories(args.cases)
    total = sum(len(h) for h in cases)
    asked, events, changes, concerned = counted(cases, catalogue, agencies)
    print(f"{total:,} events in {len(cases):,} cases, {len(agencies)} agencies")
    print(f"judge answers asked per event        {sum(asked.values()) / total:>8.2f}")
    print(f"disclosure log rows per event        {sum(changes.values()) / total:>8.2f}"
          f"   (grouped per event and agency: {sum(concerned.values()) / total:.2f})")
    for kind, count in events.most_common():
        print(f"  {kind:<22} {count // len(cases):>3} a case   {asked[kind] / count:>8.1f} answers per event"
              f"   {changes[kind] / count:>6.1f} log rows ({concerned[kind] / count:.1f} grouped)")
    best = None
    with collector_paused():
        for _ in range(args.rounds):
            cpu = time.process_time()
            fold_and_judge(cases, catalogue, agencies)
            spent = (time.process_time() - cpu) * 1e6 / total
            best = spent if best is None else min(best, spent)
    print(f"fold + judge, this process's CPU     {best:>8.1f} µs/event (best of {args.rounds})")


if __name__ == "__main__":
    main()
