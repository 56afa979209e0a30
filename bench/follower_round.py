"""One follower round for one command, on its own: the views' share of a feed message's latency (issue 5).

Seeds --cases cases in which the school sees school facts, then, --rounds times: a contribution is recorded
on one of them, and the agency views are caught up with it (`ViewRunner.catch_up`, what the follower does
when LISTEN/NOTIFY wakes it). Prints the round's wall time (p50, p99), the CPU a round costs this process and
the embedded PostgreSQL (ticks of 10 ms, summed over every round), and how many times psycopg waited for the
server in a round. Nothing else runs: no HTTP, no broker, no other load.

    .venv/bin/python bench/follower_round.py [--cases 64] [--rounds 1000]
"""

from __future__ import annotations

import argparse
import random
import time

import psycopg

from bench_support import bench_application, cpu_seconds, descendants  # noqa: E402  first: the project's path
from domain.values import Actor  # noqa: E402
from services.bootstrap import build_view_runner  # noqa: E402
from tests.service_behaviour import consenting_school  # noqa: E402

SCHOOL = Actor("skola", "bench")


class WaitCounter:
    """Counts psycopg's waits for the server (each one a round trip, or the rest of one)."""

    def __init__(self) -> None:
        self.waits = 0
        self._real = psycopg.Connection.wait

    def __enter__(self) -> "WaitCounter":
        counter, real = self, self._real

        def counted(conn, gen, *args, **kwargs):
            counter.waits += 1
            return real(conn, gen, *args, **kwargs)

        psycopg.Connection.wait = counted  # type: ignore[method-assign]
        return self

    def __exit__(self, *exc) -> None:
        psycopg.Connection.wait = self._real  # type: ignore[method-assign]


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p / 100))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=64)
    parser.add_argument("--rounds", type=int, default=1_000)
    args = parser.parse_args()
    with bench_application() as (app, settings, location):
        cases = [consenting_school(app) for _ in range(args.cases)]
        runner = build_view_runner(app, settings, location)
        runner.catch_up()
        for case_id in cases:  # warm: every case's state in the runner's memory, every connection open
            app.record_contribution(case_id, by=SCHOOL, category="school", text="Närvaro.")
        runner.catch_up()
        pid_file = settings.data_dir / "pg" / "postmaster.pid"
        server = descendants(int(pid_file.read_text().split()[0])) if pid_file.exists() else []
        rounds, cpu, server_cpu, waits = [], 0.0, 0.0, 0
        for i in range(args.rounds):
            app.record_contribution(random.choice(cases), by=SCHOOL, category="school", text=f"Närvaro {i}.")
            server_started = cpu_seconds(server)
            with WaitCounter() as counter:
                started, cpu_started = time.perf_counter(), time.process_time()
                runner.catch_up()
                rounds.append((time.perf_counter() - started) * 1000)
                cpu += time.process_time() - cpu_started
            server_cpu += cpu_seconds(server) - server_started
            waits += counter.waits
        runner.close()
        print(f"{args.rounds:,} rounds of one command each ({args.cases} cases)")
        print(f"round (wall)        p50 {percentile(rounds, 50):6.2f} ms   p99 {percentile(rounds, 99):6.2f} ms")
        print(f"this process's CPU  {cpu * 1000 / args.rounds:6.2f} ms a round")
        if server:
            print(f"PostgreSQL's CPU    {server_cpu * 1000 / args.rounds:6.2f} ms a round")
        print(f"waits for the database  {waits / args.rounds:4.1f} a round")


if __name__ == "__main__":
    main()
