"""Ledger throughput: `verify` over 1,000,000 stored events (target ≤ 10 s, ≥ 100,000 events/s).

Stored events of realistic size (300–600 bytes of ciphertext) are written with
COPY straight into the events table — the chain covers stored bytes, so their
content does not matter — then sealed (timed) and verified (timed), beside
the raw rate of reading the same rows with psycopg, in the same run; then the auditor's check of one case
against the ledger (every audit read of a case runs it first), for a case closed long ago and a recent one.

Usage: .venv/bin/python bench/audit.py [--events 1000000]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from uuid import UUID, uuid4

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench_support import bench_application, progress  # noqa: E402
from services.bootstrap import build_ledger  # noqa: E402


def fill(conninfo: str, events: int) -> tuple[UUID, UUID]:
    """``events`` events of cases of 40 each, interleaved, after those of one case closed long ago (its 40 first):
    the old case's id and a recent one's, for the auditor's check of one case."""
    old, cases = uuid4(), [uuid4() for _ in range(max(1, events // 40))]
    topic = "domain.case_events:ContributionRecorded"
    with psycopg.connect(conninfo) as conn, conn.cursor() as cursor:
        with cursor.copy("COPY sigill_events (originator_id, originator_version, topic, state) FROM STDIN") as copy:
            for version in range(1, 41):
                copy.write_row((old, version, topic, os.urandom(400)))
            for i in range(events):
                copy.write_row((cases[i % len(cases)], i // len(cases) + 1, topic, os.urandom(300 + i % 300)))
                if i % 100_000 == 0:
                    print(f"\r  writing {i:,} events", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)
    return old, cases[-1]


def raw_read(conninfo: str) -> tuple[int, float]:
    started, count = time.perf_counter(), 0
    with psycopg.connect(conninfo) as conn, conn.cursor(name="raw", binary=True) as cursor:
        cursor.itersize = 20_000
        cursor.execute("SELECT notification_id, originator_id, originator_version, topic, state FROM sigill_events"
                       " ORDER BY notification_id")
        for _ in cursor:
            count += 1
    return count, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    args = parser.parse_args()
    with bench_application() as (app, settings, location):
        ledger = build_ledger(app, settings, location)
        old_case, recent_case = fill(location.conninfo(), args.events)
        started = time.perf_counter()
        sealed = ledger.seal(progress("sealed"))
        seal_seconds = time.perf_counter() - started
        started = time.perf_counter()
        result = ledger.verify(progress=progress("verified"))
        verify_seconds = time.perf_counter() - started
        print(file=sys.stderr)
        count, raw_seconds = raw_read(location.conninfo())
        assert result.intact and result.checked == sealed == count
        print(f"seal    {sealed:>10,} events in {seal_seconds:6.2f} s = {sealed / seal_seconds:>9,.0f} events/s")
        print(f"verify  {result.checked:>10,} events in {verify_seconds:6.2f} s = "
              f"{result.checked / verify_seconds:>9,.0f} events/s   (target ≤ 10 s for 1,000,000)")
        print(f"raw read of the same rows (psycopg, no hashing) = {count / raw_seconds:>9,.0f} events/s "
              f"({raw_seconds:.2f} s)")
        # What an auditor's every read of a case costs first (services.audit.Ledger.checked_events): the ledger
        # has no index by case, and after the case's last entry every link is looked at for a gap.
        for state in ("just sealed", "after VACUUM"):
            for name, case_id in (("closed long ago (its last event at the start)", old_case),
                                  ("recent (its last event near the end)", recent_case)):
                started = time.perf_counter()
                assert ledger.case_divergence(case_id) is None
                print(f"one case's check, {state}, {name}: {(time.perf_counter() - started) * 1000:,.0f} ms")
            # What autovacuum does to an append-only table in time (PostgreSQL 13+ vacuums after inserts too): the
            # visibility map lets the gap scan read the primary key's index alone.
            with psycopg.connect(location.conninfo(), autocommit=True) as conn:
                conn.execute("VACUUM (ANALYZE) sigill_ledger")


if __name__ == "__main__":
    main()
