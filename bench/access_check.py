"""The access log's cheap check of what an answer shows (the extract, an auditor's search, the report) beside the
whole chain's verification, over a log of realistic size (default 2,000,000 entries: a year of an installation's
reads at a few per second in office hours, and more).

Entries are written with COPY, their links computed as the database's append computes them (``entry_link``), one
case's 300 spread over the log; then the case's check (``check_shown``) is timed, cold and after VACUUM (which
autovacuum does to an append-only table in time: the count reads the primary key's index alone), beside
``verify``'s walk of the whole chain.

Usage: .venv/bin/python bench/access_check.py [--entries 2000000]
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from uuid import uuid4

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench_support import bench_application  # noqa: E402
from gateways.access_log_store import PostgresAccessLogStore  # noqa: E402
from services.access_chain import GENESIS, entry_link  # noqa: E402
from services.access_entry import AccessEntry  # noqa: E402


def fill(conninfo: str, entries: int, case_id, others: list) -> None:
    link, start = GENESIS, datetime(2026, 1, 1, tzinfo=timezone.utc)
    every = max(1, entries // 300)
    with psycopg.connect(conninfo) as conn, conn.cursor() as cursor:
        with cursor.copy("COPY sigill_access_log (seq, at, case_id, subject, agency, roles, what, details, link)"
                         " FROM STDIN") as copy:
            for seq in range(1, entries + 1):
                case = case_id if seq % every == 0 else others[seq % len(others)]
                entry = AccessEntry(start + timedelta(seconds=seq), case, "user-42", "skola", "member", "plan", "", "")
                details = bytes(90)
                link = entry_link(link, seq, entry, details)
                copy.write_row((seq, entry.at, case, entry.subject, entry.agency, entry.roles, entry.what, details,
                                link))
                if seq % 200_000 == 0:
                    print(f"\r  writing {seq:,} entries", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)


def timed(what: str, run) -> None:  # noqa: ANN001
    started = time.perf_counter()
    verdict = run()
    print(f"{what}: {(time.perf_counter() - started) * 1000:,.0f} ms  ({verdict})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=2_000_000)
    args = parser.parse_args()
    with bench_application() as (app, settings, location):
        store = PostgresAccessLogStore(location.conninfo(), app.keystore)
        case_id = uuid4()
        fill(location.conninfo(), args.entries, case_id, [uuid4() for _ in range(5000)])
        with psycopg.connect(location.conninfo(), autocommit=True) as conn:
            conn.execute("ANALYZE sigill_access_log")
        for state in ("just written", "after VACUUM"):
            for _ in range(2):
                timed(f"the case's check ({state})", lambda: store.check_shown(case_id))
            timed(f"a search page's check, 100 entries ({state})",
                  lambda: store.check_shown(seqs=list(range(args.entries - 99, args.entries + 1))))
            with psycopg.connect(location.conninfo(), autocommit=True) as conn:
                conn.execute("VACUUM (ANALYZE) sigill_access_log")
        timed("the whole chain's verify", lambda: store.verify(lambda *a: True, set()))
        store.close()


if __name__ == "__main__":
    main()
