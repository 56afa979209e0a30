"""What naming facts by their public ids costs the feed's read, beside the same read naming them by internal id.

Imports realistic cases (bench/feed_catchup.py's history) until the disclosure log holds --messages rows,
then reads and unseals every feed from the store (what the publisher and the HTTP feed read), alternating:
  baseline  — messages named by the stored internal id (what schema 2 sent),
  cold      — public ids, none remembered yet (a process's first read),
  warm      — public ids, remembered from the previous read.

Usage: .venv/bin/python bench/fact_ids.py [--messages 20000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import statistics
import time
from datetime import date

from bench_support import bench_application, young_people  # noqa: E402
from domain.values import Actor  # noqa: E402
from feed_catchup import realistic_history  # noqa: E402
from projections.fact_ids import PublicFactIds  # noqa: E402
from services.bootstrap import build_view_runner  # noqa: E402
from services.importer import ImportedReferral, import_cases  # noqa: E402


class InternalIds:
    """The baseline: a message named by the stored id, as before public ids."""

    def __call__(self, case_id, fact_id: str) -> str:  # noqa: ANN001
        return fact_id


def read_all(store, feeds: list[str]) -> tuple[int, float]:
    started, count = time.perf_counter(), 0
    for feed in feeds:
        position = 0
        while batch := store.feed(feed, position, 1000):
            position, count = batch[-1].seq, count + len(batch)
    return count, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with bench_application() as (app, settings, location):
        runner = build_view_runner(app, settings, location)
        store = runner.store
        people = young_people()   # one case each: an import refuses a second open case for one young person
        while sum(store.feed_heads()[1].values()) < args.messages:
            referrals = [ImportedReferral("0180", next(people), "Bänk Test", "lul6", "polis", date(2026, 1, 1),
                                          "Misstanke.", "crime") for _ in range(20)]
            import_cases(app, referrals, by=Actor("socialtjanst", "bench"), then=realistic_history(app),
                         batch_size=20)
            runner.catch_up()
        feeds = sorted(store.feed_heads()[1])
        read_all(store, feeds)  # warm PostgreSQL's cache and the key store's
        rates: dict[str, list[float]] = {"baseline": [], "cold": [], "warm": []}
        for _ in range(args.rounds):
            for name in rates:
                if name == "baseline":
                    store._fact_ids = InternalIds()
                elif name == "cold":
                    store._fact_ids = PublicFactIds(store.feed_secret())
                count, seconds = read_all(store, feeds)
                rates[name].append(count / seconds)
        print(f"{count:,} messages in {len(feeds)} feeds, {args.rounds} rounds (median, messages/s):")
        for name, label in (("baseline", "internal ids (before, the baseline)"),
                            ("cold", "public ids, none remembered"), ("warm", "public ids, remembered")):
            print(f"  read + unseal the feed, {label:<36} {statistics.median(rates[name]):>9,.0f}")
        store.close()


if __name__ == "__main__":
    main()
