"""How long one erasure round (``record_erasures``, the follower's minute round) takes when it has nothing new to
tell, with --cases erased cases already handled.

Seeds --cases closed cases in 0180 (as ``bench/retention.py``: referral, eligibility, guardians, three consents,
two members, closure — 10 events, several agencies told), catches the views up, destroys every case's key (as
`sigill erase` does) and runs one round, which tells the agencies; then times further rounds, each with nothing
new, and the round's candidate query alone (``unseen_erasures``), three times each.  --live keys of cases not
erased are made beside them (keys only, no events: the round reads no case's events, only the key table, which
holds a key for every case ever).

    .venv/bin/python bench/erasure_round.py [--cases 1000] [--live 0]
"""

from __future__ import annotations

import argparse
import time
from uuid import uuid4

from bench_support import bench_application, closed_cases, views_caught_up  # noqa: E402  first: the project's path
import psycopg  # noqa: E402
from psycopg.sql import SQL, Identifier  # noqa: E402

from gateways.feed_store import UNDECIDED  # noqa: E402
from gateways.keystore import KEYS_TABLE  # noqa: E402
from services.bootstrap import build_view_runner  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=1_000)
    parser.add_argument("--live", type=int, default=0, help="keys of cases not erased, beside the erased")
    args = parser.parse_args()
    with bench_application() as (app, settings, location):
        started = time.monotonic()
        cases = closed_cases(app, args.cases)
        views_caught_up(app, settings, location)
        for case in cases:
            app.keystore.destroy(case)
        live_keys(app, args.live)
        print(f"seeded and erased {args.cases:,} closed cases, {args.live:,} live keys beside them,"
              f" in {time.monotonic() - started:.1f} s", flush=True)
        runner = build_view_runner(app, settings, location)
        try:
            store = runner.store
            started = time.monotonic()
            told = store.record_erasures()
            print(f"first round: {told:,} erasure messages, {time.monotonic() - started:.3f} s", flush=True)
            analysed(location, settings.db_schema or "public")
            print(f"the key table read by: {key_table_scan(location, settings.db_schema or 'public')}", flush=True)
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


def analysed(location, schema: str) -> None:
    """The tables a round reads with their statistics as autovacuum leaves them after a while: a plan chosen on a
    table just filled, never analysed, varies from run to run (a hash join over the whole log, or none)."""
    with psycopg.connect(location.conninfo(), autocommit=True) as conn:
        for table in (KEYS_TABLE, "erasures_told", "disclosure_log", "replaced_disclosure_log"):
            conn.execute(SQL("ANALYZE {}").format(Identifier(schema, table)))


def key_table_scan(location, schema: str) -> str:
    """How a round with nothing new reads ``sigill_data_keys``: the EXPLAIN line naming it."""
    query = SQL("EXPLAIN SELECT EXISTS (" + UNDECIDED + ")").format(s=Identifier(schema), k=Identifier(KEYS_TABLE))
    with psycopg.connect(location.conninfo()) as conn:
        lines = [row[0].strip() for row in conn.execute(query)]
    return next((line for line in lines if KEYS_TABLE in line), "?")


def live_keys(app, count: int, batch: int = 10_000) -> None:
    """Keys of ``count`` cases not erased, as opening them would store (``create_keys``), in batches."""
    for start in range(0, count, batch):
        app.keystore.create_keys([uuid4() for _ in range(min(batch, count - start))])


if __name__ == "__main__":
    main()
