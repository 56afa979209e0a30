"""HTTP throughput: view reads and command writes of the real server (2 workers), beside a bare FastAPI endpoint.

Targets (issue 4): reads ≥ 2,000 req/s with p99 ≤ 25 ms; writes ≥ 800 req/s.  Everything runs on this
machine over loopback: the embedded PostgreSQL, the servers, and the load from another process.

    .venv/bin/python bench/http.py [--seconds 10] [--connections 16]
"""

from __future__ import annotations

import bench_support  # noqa: F401  first: it keeps this file from shadowing the standard library's http

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from urllib.parse import quote

import psycopg

from domain.values import YOUNG_PERSON, Actor, Guardian, ScopeEntry  # noqa: E402
from gateways.embedded_postgres import create_database, start_embedded  # noqa: E402
from services.bootstrap import build_application  # noqa: E402
from services.bootstrap.sign_in import dev_tokens  # noqa: E402
from services.settings import Settings  # noqa: E402
from bench_support import children, cpu_seconds  # noqa: E402
import wrk_load  # noqa: E402

HERE = Path(__file__).resolve().parent
SPY_OPTIONS = os.environ.get("SIGILL_BENCH_PY_SPY", "").split()  # e.g. "--idle" or "--gil"
SOCIAL, SCHOOL = Actor("socialtjanst", "bench.handlaggare"), Actor("skola", "bench.kurator")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def seed(app, cases: int, contributions: int = 5) -> list[str]:
    """Cases where the school is a member and the family consented to school information (6 events, then the
    school's contributions)."""
    ids = []
    for n in range(cases):
        r = app.receive_referral(by=SOCIAL, municipality="0180", personnummer="20090314-2388", name="Bench Exempel",
                                 entry_route="sol14", referring_agency="skola", referral_date=date(2026, 1, 10),
                                 summary="Hög frånvaro.", summary_category="school")
        case_id = r.case_id
        app.decide_eligibility(case_id, by=SOCIAL, accepted=True, reasons="Risk.", instruments=("SAVRY",),
                               decided_on=date(2026, 1, 11))
        app.record_guardians(case_id, by=SOCIAL, guardians=(Guardian("", "Maria"),))
        for consenter in (YOUNG_PERSON, *app.get_case(case_id).guardians):
            app.grant_consent(case_id, by=SOCIAL, consenter=consenter, scope=(ScopeEntry("skola", ("case", "school")),),
                              purpose="Samverkan", valid_from=date(2026, 1, 11), valid_until=None, form="written")
        app.add_member(case_id, by=SOCIAL, agency="skola", contact_person="Kim", role="kurator")
        for i in range(contributions):
            app.record_contribution(case_id, by=SCHOOL, category="school", text=f"Närvaro vecka {i}: 80 %.")
        ids.append(str(case_id))
    return ids


SERVERS: dict[int, subprocess.Popen] = {}   # port -> the uvicorn supervisor serving it
POSTMASTER: list[int] = []                   # the embedded PostgreSQL's main process
LOADER = ["wrk"]                             # what generates the load: wrk, or the asyncio client (http_load.py)


def serve(target: str, port: int, env: dict, factory: bool) -> subprocess.Popen:
    command = [sys.executable, "-m", "uvicorn", target, "--host", "127.0.0.1", "--port", str(port), "--workers", "2",
               "--log-level", "warning", "--no-access-log"] + (["--factory"] if factory else [])
    process = subprocess.Popen(command, env=env, cwd=HERE.parent)
    SERVERS[port] = process
    for _ in range(300):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
            time.sleep(1.0)  # let both workers come up
            return process
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"the server on port {port} did not start")


def workers(server: subprocess.Popen) -> list[int]:
    """The worker processes uvicorn spawned under ``server``."""
    found = []
    for pid in children(server.pid):
        try:
            if b"spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes():
                found.append(pid)
        except OSError:
            continue
    return sorted(found)


def machine_busy() -> tuple[float, float]:
    """Busy and total CPU time of the whole machine so far (every process: servers, database, load)."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]
    return sum(fields) - idle, sum(fields)


def load(port: int, seconds: float, connections: int, script: dict, tmp: Path,
         profile: tuple[Path, str, list[int]] | None = None) -> dict:
    path = tmp / "script.json"
    path.write_text(json.dumps(script))
    spies = []
    if profile is not None:  # py-spy (pip install py-spy) samples each worker while the load runs
        folder, phase, pids = profile
        spies = [subprocess.Popen(["py-spy", "record", "--pid", str(pid), "--duration", str(int(seconds)),
                                   "--rate", "200", "--format", "raw", "--nonblocking", *SPY_OPTIONS,
                                   "--output", str(folder / f"{phase}-{pid}.txt")],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for pid in pids]
    servers = workers(SERVERS[port]) if port in SERVERS else []
    databases = children(POSTMASTER[0]) if POSTMASTER else []
    before, busy = (cpu_seconds(servers), cpu_seconds(databases)), machine_busy()
    older = set(databases)
    if LOADER[0] == "wrk":
        result = wrk_load.run(port, seconds, connections, script, tmp)
    else:
        result = json.loads(subprocess.run([sys.executable, str(HERE / "http_load.py"), str(port), str(seconds),
                                            str(connections), str(path)], capture_output=True, text=True,
                                           check=True).stdout)
    # Backends that connected during the run (a worker's pool growing under load) count whole: they began in it.
    started = [pid for pid in (children(POSTMASTER[0]) if POSTMASTER else []) if pid not in older]
    after = (cpu_seconds(servers), cpu_seconds(databases) + cpu_seconds(started))
    busy = [a - b for a, b in zip(machine_busy(), busy)]
    for spy in spies:
        spy.wait()
    result["machine_busy"] = busy[0] / max(busy[1], 1)
    result["cpu_ms"] = [1000 * (a - b) / max(result["requests"], 1) for a, b in zip(after, before)]
    return result


def access_log_counts(conninfo: str) -> tuple[int, int]:
    """Entries and commits (one signed checkpoint each) of the access log so far: how group commit went."""
    with psycopg.connect(conninfo) as conn:
        return conn.execute("SELECT (SELECT count(*) FROM sigill_access_log),"
                            " (SELECT count(*) FROM sigill_access_log_checkpoints)").fetchone()


def events_after(conninfo: str, position: int) -> tuple[int, int, int]:
    """Events stored after ``position``, the transactions that stored them, and the latest position."""
    with psycopg.connect(conninfo) as conn:
        return conn.execute("SELECT count(*), count(DISTINCT xmin::text), coalesce(max(notification_id), 0)"
                            " FROM sigill_events WHERE notification_id > %s", (position,)).fetchone()


def report(name: str, r: dict, target: str = "") -> None:
    print(f"  {name:<34} {r['rps']:>8,.0f} req/s   p50 {r['p50_ms']:6.1f} ms   p99 {r['p99_ms']:6.1f} ms"
          f"   statuses {r['statuses']}  {target}", flush=True)
    print(f"  {'':<34} CPU per request: server {r['cpu_ms'][0]:.2f} ms, PostgreSQL {r['cpu_ms'][1]:.2f} ms;"
          f" machine {100 * r['machine_busy']:.0f} % busy",
          flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--cases", type=int, default=64)
    parser.add_argument("--profile", type=Path, help="write py-spy profiles (collapsed stacks) of the workers here")
    parser.add_argument("--load", choices=("wrk", "python"), default="wrk" if wrk_load.available() else "python",
                        help="the load generator: wrk (default when installed: apt-get install wrk) or the asyncio"
                             " client in bench/http_load.py (a third of a core at 2,000 req/s)")
    args = parser.parse_args()
    LOADER[0] = args.load
    with tempfile.TemporaryDirectory(prefix="sigill-bench-http-") as name:
        tmp = Path(name)
        server = start_embedded(tmp / "pg")
        POSTMASTER.append(int((tmp / "pg" / "postmaster.pid").read_text().split()[0]))
        location = create_database(server, "bench_http")
        url = f"postgresql://{location.user}@/{location.dbname}?host={quote(location.host)}&port={location.port}"
        env = {**os.environ, "SIGILL_DATA_DIR": str(tmp), "SIGILL_DATABASE_URL": url}
        settings = Settings(data_dir=tmp, database_url=url)
        app = build_application(settings, location=location)
        print(f"Seeding {args.cases} cases …", flush=True)
        ids = seed(app, args.cases)
        app.close()
        token = dev_tokens(settings).issue(subject="bench.kurator", name="Kim", agency="skola", roles=["member"],
                                           municipality="0180")
        auth = {"Authorization": f"Bearer {token}"}
        bare_port, sigill_port = free_port(), free_port()
        processes = [serve("bench.bare_app:app", bare_port, env, False),
                     serve("services.server:create_server", sigill_port, env, True)]
        try:
            print(f"{os.cpu_count()} cores; {args.connections} connections for {args.seconds:.0f} s each; "
                  f"2 server workers; load from {args.load}", flush=True)
            bare = {"method": "GET", "paths": ["/ping"], "headers": {}}
            read = {"method": "GET", "paths": [f"/api/v1/cases/{i}" for i in ids], "headers": auth}
            for port, script in ((bare_port, bare), (sigill_port, read)):  # warm up: first requests build caches
                load(port, 2, args.connections, script, tmp)
            report("bare FastAPI GET /ping", load(bare_port, args.seconds, args.connections, bare, tmp))
            pids = workers(processes[1])
            spy = (lambda phase: (args.profile, phase, pids)) if args.profile else (lambda phase: None)
            logged = access_log_counts(location.conninfo())
            reads = load(sigill_port, args.seconds, args.connections, read, tmp, spy("reads"))
            report("view reads (school timeline)", reads, "target ≥ 2,000 req/s, p99 ≤ 25 ms")
            entries, commits = (a - b for a, b in zip(access_log_counts(location.conninfo()), logged))
            print(f"  {'':<34} access log: {entries:,} reads in {commits:,} commits"
                  f" ({entries / max(commits, 1):.1f} per commit)", flush=True)
            saved = events_after(location.conninfo(), 0)[2]
            writes = load(sigill_port, args.seconds, args.connections, {
                "method": "POST", "paths": [f"/api/v1/cases/{i}/contributions" for i in ids], "headers": auth,
                "body": json.dumps({"category": "school", "text": "Närvaro 85 %."})}, tmp, spy("writes"))
            report("command writes (contributions)", writes, "target ≥ 800 req/s")
            done = writes["statuses"].get("201", 0) / writes["seconds"]
            print(f"  {'':<34} of which recorded (201): {done:,.0f} writes/s", flush=True)
            events, transactions, _ = events_after(location.conninfo(), saved)
            print(f"  {'':<34} group commit: {events:,} events in {transactions:,} transactions"
                  f" ({events / max(transactions, 1):.1f} per commit)", flush=True)
        finally:
            for p in processes:
                p.terminate()
                p.wait()


if __name__ == "__main__":
    main()
