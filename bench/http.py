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

from domain.values import YOUNG_PERSON, Actor, Guardian, ScopeEntry  # noqa: E402
from gateways.embedded_postgres import create_database, start_embedded  # noqa: E402
from services.bootstrap import build_application, dev_tokens  # noqa: E402
from services.settings import Settings  # noqa: E402

HERE = Path(__file__).resolve().parent
SOCIAL, SCHOOL = Actor("socialtjanst", "bench.handlaggare"), Actor("skola", "bench.kurator")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def seed(app, cases: int) -> list[str]:
    """Cases where the school is a member and the family consented to school information."""
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
        for i in range(5):
            app.record_contribution(case_id, by=SCHOOL, category="school", text=f"Närvaro vecka {i}: 80 %.")
        ids.append(str(case_id))
    return ids


def serve(target: str, port: int, env: dict, factory: bool) -> subprocess.Popen:
    command = [sys.executable, "-m", "uvicorn", target, "--host", "127.0.0.1", "--port", str(port), "--workers", "2",
               "--log-level", "warning", "--no-access-log"] + (["--factory"] if factory else [])
    process = subprocess.Popen(command, env=env, cwd=HERE.parent)
    for _ in range(300):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
            time.sleep(1.0)  # let both workers come up
            return process
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"the server on port {port} did not start")


def load(port: int, seconds: float, connections: int, script: dict, tmp: Path) -> dict:
    path = tmp / "script.json"
    path.write_text(json.dumps(script))
    out = subprocess.run([sys.executable, str(HERE / "http_load.py"), str(port), str(seconds), str(connections),
                          str(path)], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def report(name: str, r: dict, target: str = "") -> None:
    print(f"  {name:<34} {r['rps']:>8,.0f} req/s   p50 {r['p50_ms']:6.1f} ms   p99 {r['p99_ms']:6.1f} ms"
          f"   statuses {r['statuses']}  {target}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--cases", type=int, default=64)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="sigill-bench-http-") as name:
        tmp = Path(name)
        server = start_embedded(tmp / "pg")
        location = create_database(server, "bench_http")
        url = f"postgresql://{location.user}@/{location.dbname}?host={quote(location.host)}&port={location.port}"
        env = {**os.environ, "SIGILL_DATA_DIR": str(tmp), "SIGILL_DATABASE_URL": url}
        settings = Settings(data_dir=tmp, database_url=url)
        app = build_application(settings, location=location)
        print(f"Seeding {args.cases} cases …", flush=True)
        ids = seed(app, args.cases)
        app.close()
        token = dev_tokens(settings).issue(subject="bench.kurator", name="Kim", agency="skola", roles=["member"])
        auth = {"Authorization": f"Bearer {token}"}
        bare_port, sigill_port = free_port(), free_port()
        processes = [serve("bench.bare_app:app", bare_port, env, False),
                     serve("services.server:create_server", sigill_port, env, True)]
        try:
            print(f"{os.cpu_count()} cores; {args.connections} connections for {args.seconds:.0f} s each; "
                  "2 server workers", flush=True)
            report("bare FastAPI GET /ping", load(bare_port, args.seconds, args.connections,
                                                 {"method": "GET", "paths": ["/ping"], "headers": {}}, tmp))
            reads = load(sigill_port, args.seconds, args.connections, {
                "method": "GET", "paths": [f"/api/v1/cases/{i}" for i in ids], "headers": auth}, tmp)
            report("view reads (school timeline)", reads, "target ≥ 2,000 req/s, p99 ≤ 25 ms")
            writes = load(sigill_port, args.seconds, args.connections, {
                "method": "POST", "paths": [f"/api/v1/cases/{i}/contributions" for i in ids], "headers": auth,
                "body": json.dumps({"category": "school", "text": "Närvaro 85 %."})}, tmp)
            report("command writes (contributions)", writes, "target ≥ 800 req/s")
        finally:
            for p in processes:
                p.terminate()
                p.wait()


if __name__ == "__main__":
    main()
