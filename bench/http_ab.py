"""The same load against servers built from two (or more) source trees, taking turns, on one database.

This machine's speed changes from minute to minute, so two versions benchmarked one after the other can differ
by the machine alone; run in turns, round after round, they share its moods.  For example, the working tree
against the last commit:

    git worktree add /tmp/before HEAD
    .venv/bin/python bench/http_ab.py /tmp/before,. --phase reads --rounds 4 --seconds 8

Each tree's server runs with that tree first on its path (the virtualenv's installed packages for the rest).
"""

from __future__ import annotations

import bench_support  # noqa: F401  first: it keeps bench/http.py from shadowing the standard library's http

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

import importlib.util

from bench_support import _stat_fields
from gateways.embedded_postgres import create_database, start_embedded
from services.bootstrap import build_application
from services.bootstrap.sign_in import dev_tokens
from services.settings import Settings

_spec = importlib.util.spec_from_file_location("bench_http", Path(__file__).with_name("http.py"))
http = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(http)  # type: ignore[union-attr]


def scripts(ids: list[str], auth: dict) -> dict[str, dict]:
    return {"reads": {"method": "GET", "paths": [f"/api/v1/cases/{i}" for i in ids], "headers": auth},
            "writes": {"method": "POST", "paths": [f"/api/v1/cases/{i}/contributions" for i in ids], "headers": auth,
                       "body": json.dumps({"category": "school", "text": "Närvaro 85 %."})}}


def user_and_system(pids: list[int]) -> tuple[int, int]:
    fields = [_stat_fields(pid) for pid in pids]
    return sum(int(f[11]) for f in fields), sum(int(f[12]) for f in fields)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("trees", help="source trees, comma-separated (e.g. /tmp/before,.)")
    parser.add_argument("--phase", choices=("reads", "writes"), default="reads")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=6)
    parser.add_argument("--connections", type=int, default=16)
    args = parser.parse_args()
    trees = [str(Path(t).resolve()) for t in args.trees.split(",")]
    with tempfile.TemporaryDirectory(prefix="sigill-bench-ab-") as name:
        tmp = Path(name)
        server = start_embedded(tmp / "pg")
        http.POSTMASTER.append(int((tmp / "pg" / "postmaster.pid").read_text().split()[0]))
        location = create_database(server, "bench_ab")
        url = f"postgresql://{location.user}@/{location.dbname}?host={quote(location.host)}&port={location.port}"
        settings = Settings(data_dir=tmp, database_url=url)
        app = build_application(settings, location=location)
        print(f"Seeding 64 cases; {args.phase}, {args.connections} connections, {args.rounds} rounds of "
              f"{args.seconds:.0f} s per tree …", flush=True)
        ids = http.seed(app, 64)
        app.close()
        token = dev_tokens(settings).issue(subject="bench.kurator", name="Kim", agency="skola", roles=["member"],
                                           municipality="0180")
        script = scripts(ids, {"Authorization": f"Bearer {token}"})[args.phase]
        ports = []
        for tree in trees:
            port = http.free_port()
            env = {**os.environ, "SIGILL_DATA_DIR": str(tmp), "SIGILL_DATABASE_URL": url, "PYTHONPATH": tree}
            http.SERVERS[port] = subprocess.Popen(
                [sys.executable, "-m", "uvicorn", "services.server:create_server", "--factory", "--host",
                 "127.0.0.1", "--port", str(port), "--workers", "2", "--log-level", "warning", "--no-access-log"],
                env=env, cwd=tree)
            ports.append(port)
        time.sleep(4)  # both workers of every server
        try:
            for port in ports:
                http.load(port, 2, args.connections, script, tmp)  # warm-up: caches and connections
            results: dict[str, list[dict]] = {t: [] for t in trees}
            for _ in range(args.rounds):
                for tree, port in zip(trees, ports):
                    workers = http.workers(http.SERVERS[port])
                    before = user_and_system(workers)
                    result = http.load(port, args.seconds, args.connections, script, tmp)
                    user, system = (b - a for a, b in zip(before, user_and_system(workers)))
                    per = 1000 / os.sysconf("SC_CLK_TCK") / max(result["requests"], 1)
                    results[tree].append(result)
                    print(f"  {tree:<28} {result['rps']:7,.0f} req/s  p50 {result['p50_ms']:5.1f}  p99 "
                          f"{result['p99_ms']:6.1f} ms   server CPU {user * per:.2f} user + {system * per:.2f} system"
                          f" ms, PostgreSQL {result['cpu_ms'][1]:.2f} ms; machine {100 * result['machine_busy']:.0f} %"
                          f" busy; {result['statuses']}", flush=True)
            for tree in trees:
                rates = sorted(r["rps"] for r in results[tree])
                p99s = sorted(r["p99_ms"] for r in results[tree])
                print(f"  median {tree:<21} {rates[len(rates) // 2]:7,.0f} req/s, p99 {p99s[len(p99s) // 2]:.1f} ms")
        finally:
            for process in http.SERVERS.values():
                process.terminate()
                process.wait()


if __name__ == "__main__":
    main()
