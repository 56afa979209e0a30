"""The test broker alone, without Sigill: is its latency steady over a run?

A kafka-python producer (acks=all, each message flushed) sends 200 messages/s of 600 bytes to one partition of
the Tansu broker the tests and bench/feed_latency.py use; a kafka-python consumer (fetch wait 10 ms, as in
bench/feed_latency.py) times each from its acknowledgement to its arrival.  Prints p50/p99 per 10 s window.

    .venv/bin/python bench/tansu_alone.py [--seconds 60] [--rate 200]
"""

from __future__ import annotations

import bench_support  # noqa: F401  first: it keeps bench/http.py from shadowing the standard library's http

import argparse
import json
import threading
import time

from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import KafkaAdminClient, NewTopic

from tests.kafka_broker import TansuBroker


def consume(bootstrap: str, arrived: dict[int, float], stop: threading.Event) -> None:
    consumer = KafkaConsumer(bootstrap_servers=[bootstrap], enable_auto_commit=False, fetch_max_wait_ms=10,
                             fetch_min_bytes=1)
    consumer.assign([TopicPartition("alone", 0)])
    while not stop.is_set():
        for records in consumer.poll(timeout_ms=50).values():
            now = time.perf_counter()
            for record in records:
                arrived[int(record.key)] = now
    consumer.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--rate", type=float, default=200)
    args = parser.parse_args()
    broker = TansuBroker().start()
    try:
        KafkaAdminClient(bootstrap_servers=[broker.bootstrap]).create_topics([NewTopic("alone", 1, -1)])
        producer = KafkaProducer(bootstrap_servers=[broker.bootstrap], acks="all")
        arrived: dict[int, float] = {}
        stop = threading.Event()
        consumer = threading.Thread(target=consume, args=(broker.bootstrap, arrived, stop), daemon=True)
        consumer.start()
        body, acked = json.dumps({"text": "x" * 600}).encode(), {}
        start, n = time.perf_counter(), 0
        while time.perf_counter() - start < args.seconds:
            time.sleep(max(0.0, start + n / args.rate - time.perf_counter()))
            producer.send("alone", key=str(n).encode(), value=body)
            producer.flush()
            acked[n] = time.perf_counter()
            n += 1
        time.sleep(2)
        stop.set()
        consumer.join(timeout=5)
        per_window = int(10 * args.rate)
        for first in range(0, n, per_window):
            window = range(first, min(first + per_window, n))
            delays = sorted((arrived[i] - acked[i]) * 1000 for i in window if i in arrived)
            if delays:
                print(f"  {first / args.rate:4.0f}–{(first + len(window)) / args.rate:3.0f} s   acknowledged → received"
                      f"  p50 {delays[len(delays) // 2]:6.1f} ms   p99 {delays[int(0.99 * (len(delays) - 1))]:6.1f} ms"
                      f"   {len(window) - len(delays)} of {len(window)} not arrived within 2 s", flush=True)
    finally:
        broker.stop()


if __name__ == "__main__":
    main()
