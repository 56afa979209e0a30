"""The two modes of the feeds: without Kafka the follower keeps the HTTP feed current by itself; with Kafka
configured the same follower publishes the topics too.  And the follower wakes on NOTIFY, not on its poll."""

from __future__ import annotations

import json
import threading
import time
from uuid import UUID

import pytest

from services.bootstrap import build_follower
from tests.builders import SCHOOL
from tests.concurrency import eventually
from tests.integration.feed_history import all_published
from tests.integration.test_kafka_feed import kafka_settings, realistic_case
from tests.kafka_broker import read_topic


@pytest.fixture
def following(app, postgres):
    """Run ``build_follower``'s follower (what `sigill serve` and `sigill follow` run) until the test ends."""
    started = []

    def start(settings, **changes):
        follower = build_follower(app, settings, postgres)
        for name, value in changes.items():
            setattr(follower, name, value)
        stop = threading.Event()
        thread = threading.Thread(target=follower.run, args=(stop,), daemon=True)
        thread.start()
        started.append((stop, thread, follower))
        return follower

    yield start
    for stop, thread, follower in started:
        stop.set()
        thread.join(timeout=30)
        follower.runner.store.close()


def test_without_kafka_the_follower_keeps_the_http_feed_current_and_publishes_nothing(app, settings, following):
    follower = following(settings)
    assert follower.publisher is None and settings.kafka_bootstrap_servers is None
    case_id = realistic_case(app)
    store = follower.runner.store
    assert eventually(lambda: any(r["change"] == "ended" for r in store.disclosure_log(case_id, "skola")))
    assert store.publication_positions() == {}   # no Kafka: nothing is published, nothing is tracked


def test_with_kafka_the_same_follower_publishes_what_the_http_feed_serves(app, settings, following, kafka_broker):
    feeds = kafka_settings(settings, kafka_broker.bootstrap)
    follower = following(feeds)
    assert follower.publisher is not None
    realistic_case(app)
    store = follower.runner.store

    assert eventually(lambda: all_published(store))  # every feed (each agency's in the case's municipality)
    served = [json.loads(m.body()) for m in store.feed("skola.0180", 0, 10_000)]  # what GET /api/v1/feeds/skola pages for Stockholm
    on_kafka = [json.loads(r.value) for r in read_topic(feeds.kafka_bootstrap_servers,
                                                        follower.publisher.topic("skola", "0180"), expect=len(served))]
    assert sorted(on_kafka, key=lambda m: m["sequence"]) == served


def test_the_follower_wakes_on_a_recorded_event_not_on_its_poll(app, settings, following):
    follower = following(settings, interval=5.0)  # a poll this slow would show in every measurement below
    case_id = realistic_case(app)
    store = follower.runner.store
    assert eventually(lambda: bool(store.feed_heads()[1]) and
                      follower.runner.position == app.recorder.max_notification_id())
    for _ in range(5):
        start = time.monotonic()
        app.record_contribution(case_id, by=SCHOOL, category="school", text="Vaknar direkt.")
        target = app.recorder.max_notification_id()
        assert eventually(lambda: follower.runner.position >= target, seconds=4.0)
        assert time.monotonic() - start < 2.0


def test_an_erasure_reaches_the_feeds_from_the_follower(app, settings, following):
    follower = following(settings, calendar_every=0.2)
    case_id = realistic_case(app)
    store = follower.runner.store
    assert eventually(lambda: bool(store.disclosure_log(case_id, "skola")))
    app.keystore.destroy(UUID(str(case_id)))
    assert eventually(lambda: any(r["change"] == "erased" for r in store.disclosure_log(case_id, "skola")))
    erased = [m for m in store.feed("skola.0180", 0, 10_000) if m.change == "erased"]
    assert [(m.case_id, m.erased, m.content) for m in erased] == [(case_id, True, None)]


def test_an_erasure_message_arrives_on_kafka(app, settings, following, kafka_broker):
    feeds = kafka_settings(settings, kafka_broker.bootstrap)
    follower = following(feeds, calendar_every=0.2)
    case_id = realistic_case(app)
    store = follower.runner.store
    assert eventually(lambda: bool(store.disclosure_log(case_id, "skola")))
    app.keystore.destroy(case_id)
    assert eventually(lambda: any(r["change"] == "erased" for r in store.disclosure_log(case_id, "skola")))
    expected = len(store.disclosure_log(agency="skola"))
    topic = follower.publisher.topic("skola", "0180")
    records = [json.loads(r.value) for r in read_topic(feeds.kafka_bootstrap_servers, topic, expect=expected)]
    erased = [m for m in records if m["change"] == "erased"]
    assert [(m["case_id"], m["kind"], m["erased"], m["content"]) for m in erased] == [
        (str(case_id), "case.erased", True, None)]
