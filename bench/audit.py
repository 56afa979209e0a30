"""Ledger throughput: `verify` over 1,000,000 stored events (target ≤ 10 s, ≥ 100,000 events/s).

Stored events of realistic size (300–600 bytes of ciphertext) are written with
COPY straight into the events table — the chain covers stored bytes, so their
content does not matter — then sealed (timed) and verified (timed), beside
the raw rate of reading the same rows with psycopg, in the same run; then the auditor's check of one case
against the ledger (every audit read of a case runs it first), for a case closed long ago and a recent one.

`sigill audit verify` checks the auditors' index too, both ways (the cases it lacks, the rows the events do not bear
out): the views' case lists are written for the stored cases (each case's number drawn in its municipality's series
before its first event, as a referral draws it; the lead's row, and two members'), and verify is timed as the command
runs it — every check in one read-only snapshot — with the index's two checks apart; beside the chain's walk on
connections of its own (as before 2026-12-06), in turns.

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

from bench_support import bench_application, postgres_cpu_seconds, progress, views_caught_up  # noqa: E402
from domain.case_numbers import CaseNumberSeries  # noqa: E402
from eventsourcing.utils import get_topic  # noqa: E402
from services.application import CaseApplication  # noqa: E402
from services.bootstrap.audit import build_ledger, verifier_reads  # noqa: E402
from services.catalogue_loader import load_catalogue  # noqa: E402

MUNICIPALITIES, YEAR, MEMBERS = ("0180", "0181", "0182", "0183"), 2026, ("skola", "polis")


def fill(conninfo: str, events: int) -> tuple[UUID, UUID, list[tuple[UUID, str]]]:
    """``events`` events of cases of 40 each, interleaved, after those of one case closed long ago (its 40 first),
    each case's number drawn in its series just before its first event: the old case's id and a recent one's, for
    the auditor's check of one case, and every case with its number."""
    old, cases = uuid4(), [uuid4() for _ in range(max(1, events // 40))]
    topic, drawn = "domain.case_events:ContributionRecorded", get_topic(CaseNumberSeries.Allocated)
    drawn_so_far = dict.fromkeys(MUNICIPALITIES, 0)
    numbered = []

    def draw(copy, case_id: UUID, municipality: str) -> None:  # noqa: ANN001 - a COPY
        series = CaseNumberSeries.series_id(municipality, YEAR)
        if not drawn_so_far[municipality]:
            copy.write_row((series, 1, get_topic(CaseNumberSeries.Started), os.urandom(100)))
        drawn_so_far[municipality] += 1
        copy.write_row((series, drawn_so_far[municipality] + 1, drawn, os.urandom(100)))
        numbered.append((case_id, f"{municipality}-{YEAR}-{drawn_so_far[municipality]:04d}"))

    with psycopg.connect(conninfo) as conn, conn.cursor() as cursor:
        with cursor.copy("COPY sigill_events (originator_id, originator_version, topic, state) FROM STDIN") as copy:
            draw(copy, old, MUNICIPALITIES[0])
            for version in range(1, 41):
                copy.write_row((old, version, topic, os.urandom(400)))
            for i in range(events):
                case_id = cases[i % len(cases)]
                if i < len(cases):
                    draw(copy, case_id, MUNICIPALITIES[i % len(MUNICIPALITIES)])
                copy.write_row((case_id, i // len(cases) + 1, topic, os.urandom(300 + i % 300)))
                if i % 100_000 == 0:
                    print(f"\r  writing {i:,} events", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)
    return old, cases[-1], numbered


def list_cases(conninfo: str, numbered: list[tuple[UUID, str]], lead: str) -> None:
    """The views' case lists as a catch-up leaves them: the lead's row of every case (its number, phase
    'referred': a contribution is no decision) and two members' rows, each case's municipality, its key, and the
    views' position at the last event."""
    with psycopg.connect(conninfo) as conn, conn.cursor() as cursor:
        with cursor.copy("COPY view_cases (agency, case_id, case_number, phase, facts) FROM STDIN") as copy:
            for case_id, number in numbered:
                for agency in (lead, *MEMBERS):
                    copy.write_row((agency, case_id, number if agency == lead else None, "referred", 40))
        with cursor.copy("COPY case_municipality (case_id, municipality) FROM STDIN") as copy:
            for case_id, number in numbered:
                copy.write_row((case_id, number[:4]))
        with cursor.copy("COPY sigill_data_keys (aggregate_id, wrapped_key) FROM STDIN") as copy:
            for case_id, _ in numbered:
                copy.write_row((case_id, os.urandom(60)))
        cursor.execute("INSERT INTO agency_views_tracking (application_name, notification_id) SELECT %s,"
                       " max(notification_id) FROM sigill_events ON CONFLICT (application_name) DO UPDATE"
                       " SET notification_id = excluded.notification_id", (CaseApplication.name,))
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute("ANALYZE")


def timed(work):  # noqa: ANN001, ANN201 - a call; (its answer, wall s, this process's CPU s, PostgreSQL's CPU s)
    started, cpu, server = time.perf_counter(), time.process_time(), postgres_cpu_seconds() or 0.0
    answer = work()
    return (answer, time.perf_counter() - started, time.process_time() - cpu,
            (postgres_cpu_seconds() or 0.0) - server)


def verify_as_the_command_does(settings, location):  # noqa: ANN001, ANN201 - (the ledger's, index's) timings
    """The ledger and the index's two checks in one snapshot, as `sigill audit verify` reads them."""
    with verifier_reads(settings, location) as (ledger, reads):
        walked = timed(ledger.verify)
        lacks = timed(reads.unlisted)
        rows = timed(reads.listed_rows)
    assert walked[0].intact and lacks[0] == ([], []), lacks[0]
    assert not (rows[0].made_up or rows[0].erased or rows[0].contradicted), rows[0]
    return walked, lacks, rows


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
    parser.add_argument("--turns", type=int, default=3, help="verify's runs, each way, in turns")
    args = parser.parse_args()
    with bench_application() as (app, settings, location):
        ledger = build_ledger(app, settings, location)
        views_caught_up(app, settings, location)   # the views' tables, and their position
        old_case, recent_case, numbered = fill(location.conninfo(), args.events)
        list_cases(location.conninfo(), numbered, load_catalogue(settings.catalogue).lead_agency)
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
        print(f"verify as the command runs it, {len(numbered):,} cases listed ({len(numbered) * 3:,} rows), in turns"
              " (wall s / this process's CPU s / PostgreSQL's CPU s):")
        for turn in range(args.turns):
            own = timed(ledger.verify)
            walked, lacks, rows = verify_as_the_command_does(settings, location)
            print(f"  chain, own connections {own[1]:6.2f} / {own[2]:6.2f} / {own[3]:6.2f}   chain, one snapshot"
                  f" {walked[1]:6.2f} / {walked[2]:6.2f} / {walked[3]:6.2f}   index: cases it lacks"
                  f" {lacks[1]:5.2f} / {lacks[2]:5.2f} / {lacks[3]:5.2f}, its rows {rows[1]:5.2f} / {rows[2]:5.2f} /"
                  f" {rows[3]:5.2f}")
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
