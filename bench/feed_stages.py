"""Where a feed message's time goes: stage times noted inside the server, for bench/feed_latency.py --stages.

Installed in the `sigill serve` process only (the follower and its publisher), by wrapping three methods:
the views' commit (ViewRunner._write), the producer's send and each message's acknowledgement (KafkaMessageSink.send_all, a callback on each),
and each follower round (Follower.step).  Each bench command carries a marker in its text; a line per marker
and stage goes to a file, with time.perf_counter() (CLOCK_MONOTONIC: the same clock in every process).
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict
from pathlib import Path

_lock = threading.Lock()


def install(path: str) -> None:
    from gateways.kafka_publisher import KafkaMessageSink
    from services.follower import Follower
    from services.view_runner import ViewRunner

    out = open(path, "a", buffering=1)

    def note(stage: str, markers) -> None:
        now = time.perf_counter()
        with _lock:
            out.writelines(f"{stage} {now:.6f} {m}\n" for m in markers)

    written = ViewRunner._write

    def _write(self, update, start, position, notifications):
        done = written(self, update, start, position, notifications)
        note("views", [m for _, change, _ in update.log if change.agency == "skola"
                       and str((change.fact.content or {}).get("text", "")).startswith("bench-")
                       for m in [change.fact.content["text"]]])
        return done

    send_all = KafkaMessageSink.send_all

    def _send_all(self, batches):
        marked = [(m.content["text"], i) for i, m in enumerate(m for _, messages in batches for m in messages)
                  if m.content and str(m.content.get("text", "")).startswith("bench-")]
        note("sent", [marker for marker, _ in marked])
        acks = send_all(self, batches)
        for marker, i in marked:  # called in kafka-python's sender thread, as each answer comes
            acks.futures[i].add_callback(lambda _, marker=marker: note("acked", [marker]))
        return acks

    step = Follower.step

    def _step(self, *, calendar_due):
        started = time.perf_counter()
        moved = step(self, calendar_due=calendar_due)
        note("round", [f"{started:.6f}:{moved}"])
        return moved

    ViewRunner._write, KafkaMessageSink.send_all, Follower.step = _write, _send_all, _step


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))] if ordered else float("nan")


def report(path: Path, accepted: dict[str, float], arrived: dict[str, float]) -> str:
    """p50/p99 of each stage for the markers of one run, and the follower's rounds in that time."""
    at: dict[str, dict[str, float]] = defaultdict(dict)
    rounds: list[tuple[float, float, int]] = []
    for line in path.read_text().splitlines():
        stage, when, marker = line.split(" ", 2)
        if stage == "round":
            started, moved = marker.split(":")
            rounds.append((float(started), float(when), int(moved)))
        elif marker in accepted:
            at[marker].setdefault(stage, float(when))
    chain = [("accepted", accepted), *((s, {m: t[s] for m, t in at.items() if s in t}) for s in
                                        ("views", "sent", "acked")), ("received", arrived)]
    parts = []
    for (a, first), (b, then) in zip(chain, chain[1:]):
        gaps = [(then[m] - first[m]) * 1000 for m in accepted if m in first and m in then]
        parts.append(f"{a}→{b} p50 {percentile(gaps, 50):.1f} p99 {percentile(gaps, 99):.1f}")
    lo, hi = min(accepted.values()), max(accepted.values())
    busy = [(end - start, moved) for start, end, moved in rounds if lo <= start <= hi and moved]
    spans = [s * 1000 for s, _ in busy]
    parts.append(f"follower rounds that moved: {len(busy)}, {sum(m for _, m in busy) / max(1, len(busy)):.1f}"
                 f" notifications each, p50 {percentile(spans, 50):.1f} ms p99 {percentile(spans, 99):.1f} ms")
    return "; ".join(parts)
