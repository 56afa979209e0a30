"""Append throughput: single-command saves through the service layer vs raw psycopg, and the batch path.

Prints events/s and p50/p99 latency for
  1. one command (one event) per save through CaseApplication on real PostgreSQL,
  2. raw psycopg `LOCK TABLE` + `INSERT` + `COMMIT` of rows the same size, same server, same run,
  3. their ratio (target ≥ 0.80, and ≥ 1,000 events/s on 2 cores),
  4. the batch import path (target ≥ 10,000 events/s).

Usage: .venv/bin/python bench/append.py [--commands 3000] [--cases 100] [--import-cases 2000]
Uses the embedded PostgreSQL in a temporary directory, or SIGILL_BENCH_POSTGRES_URL.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import date
from pathlib import Path
from uuid import uuid4

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from domain.values import Actor, ScopeEntry, YOUNG_PERSON  # noqa: E402
from bench_support import bench_application, young_people  # noqa: E402
from services.importer import ImportedReferral, import_cases  # noqa: E402

SOCIAL, POLICE = Actor("socialtjanst", "bench"), Actor("polis", "bench")
PERSON = "20090314-2388"


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def report(label: str, count: int, seconds: float, latencies: list[float]) -> float:
    rate = count / seconds
    print(f"{label:<44} {rate:>9,.0f} events/s   p50 {percentile(latencies, .5) * 1e3:6.2f} ms"
          f"   p99 {percentile(latencies, .99) * 1e3:6.2f} ms", flush=True)
    return rate


def prepared_cases(app, count: int) -> list:
    ids = []
    for i in range(count):
        case_id = app.receive_referral(by=SOCIAL, municipality="0180", personnummer=PERSON, name="Bänk Test",
                                       entry_route="lul6", referring_agency="polis", referral_date=date(2026, 1, 1),
                                       summary="Misstanke.", summary_category="crime").case_id
        app.decide_eligibility(case_id, by=SOCIAL, accepted=True, reasons="Bänk.", instruments=("SAVRY",),
                               decided_on=date(2026, 1, 1))
        app.add_member(case_id, by=SOCIAL, agency="polis", contact_person="Sam", role="kontakt")
        ids.append(case_id)
    return ids


def service_saves(app, case_ids: list, commands: int) -> tuple[float, list[float]]:
    latencies = []
    started = time.perf_counter()
    for i in range(commands):
        t0 = time.perf_counter()
        app.record_contribution(case_ids[i % len(case_ids)], by=POLICE, category="crime",
                                text=f"Iakttagelse nummer {i} från polisens kontaktperson.")
        latencies.append(time.perf_counter() - t0)
    return time.perf_counter() - started, latencies


def stored_state_size(app) -> int:
    notifications = app.recorder.select_notifications(start=1, limit=10_000)
    sizes = [len(n.state) for n in notifications if n.topic.endswith("ContributionRecorded")]
    return int(statistics.mean(sizes))


def raw_inserts(conninfo: str, commands: int, state_size: int) -> tuple[float, list[float]]:
    state, topic = os.urandom(state_size), "domain.case_events:ContributionRecorded"
    with psycopg.connect(conninfo) as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS bench_raw (id bigserial PRIMARY KEY, originator_id uuid NOT NULL,"
                     " originator_version int NOT NULL, topic text NOT NULL, state bytea NOT NULL,"
                     " UNIQUE (originator_id, originator_version))")
        conn.commit()
        latencies = []
        started = time.perf_counter()
        for i in range(commands):
            t0 = time.perf_counter()
            with conn.transaction():
                conn.execute("LOCK TABLE bench_raw IN EXCLUSIVE MODE")
                conn.execute("INSERT INTO bench_raw (originator_id, originator_version, topic, state)"
                             " VALUES (%s, %s, %s, %s)", (uuid4(), 1, topic, state))
            latencies.append(time.perf_counter() - t0)
        return time.perf_counter() - started, latencies


def batch_import(app, cases: int) -> tuple[int, float, list[float]]:
    def history(case) -> None:
        at = case.last_recorded_at
        case.decide_eligibility(accepted=True, reasons="Import.", instruments=("BBIC",), decided_on=date(2026, 1, 1),
                                by=SOCIAL, at=at, catalogue=app.catalogue)
        case.grant_consent(consenter=YOUNG_PERSON, scope=[ScopeEntry("skola", ("case", "school"))],
                           purpose="Samverkan", valid_from=date(2026, 1, 1), valid_until=None, form="written",
                           by=SOCIAL, at=at, catalogue=app.catalogue)
        for agency in ("skola", "polis"):
            case.add_member(agency=agency, contact_person="Kontakt", role="kontakt", by=SOCIAL, at=at,
                            catalogue=app.catalogue)
        for i in range(6):
            case.record_contribution(category="crime", text=f"Importerad uppgift {i}.", by=POLICE, at=at,
                                     catalogue=app.catalogue)

    referrals = (ImportedReferral("0180", person, "Bänk Test", "lul6", "polis", date(2026, 1, 1), "Misstanke.",
                                  "crime") for person, _ in zip(young_people(), range(cases)))   # one case each
    batch_times: list[float] = []
    last = [time.perf_counter()]

    def progress(done: int, events: int) -> None:
        now = time.perf_counter()
        batch_times.append(now - last[0])
        last[0] = now
        print(f"\r  imported {done:,} cases, {events:,} events", end="", file=sys.stderr, flush=True)

    started = time.perf_counter()
    events = import_cases(app, referrals, by=SOCIAL, then=history, batch_size=100, progress=progress)
    elapsed = time.perf_counter() - started
    print(file=sys.stderr)
    return events, elapsed, batch_times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--commands", type=int, default=3000)
    parser.add_argument("--cases", type=int, default=100)
    parser.add_argument("--import-cases", type=int, default=2000)
    args = parser.parse_args()

    with bench_application() as (app, _, location):
        case_ids = prepared_cases(app, args.cases)
        service_saves(app, case_ids, 200)  # warm up connections, caches and the JIT-free interpreter paths
        seconds, service_latencies = service_saves(app, case_ids, args.commands)
        service_rate = report("service layer, one command per save", args.commands, seconds, service_latencies)
        size = stored_state_size(app)
        seconds, raw_latencies = raw_inserts(location.conninfo(), args.commands, size)
        raw_rate = report(f"raw psycopg LOCK+INSERT+COMMIT ({size} B rows)", args.commands, seconds, raw_latencies)
        print(f"{'ratio service / raw':<44} {service_rate / raw_rate:>9.0%}   (target ≥ 80 %, ≥ 1,000 events/s)")
        events, seconds, _ = batch_import(app, args.import_cases)
        print(f"{'batch import, 100 cases per transaction':<44} {events / seconds:>9,.0f} events/s"
              f"   ({events:,} events in {seconds:.1f} s; target ≥ 10,000 events/s)")


if __name__ == "__main__":
    main()
