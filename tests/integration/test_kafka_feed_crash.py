"""`sigill feed publish` killed (SIGKILL) in the middle of a batch, then restarted: nothing is lost.

The kill comes at a moment when the broker already holds messages that PostgreSQL
does not yet count as published — inside a batch — so the restarted publisher
sends them again; a consumer that deduplicates by the event id header has each
message exactly once.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from urllib.parse import quote
from uuid import uuid4

import psycopg
from kafka import KafkaConsumer, TopicPartition

from tests.builders import POLICE
from tests.concurrency import eventually
from tests.integration.test_kafka_feed import realistic_case
from tests.kafka_broker import header, read_topic

AGENCY, MUNICIPALITY = "socialtjanst", "0180"  # social services' feed: one topic per municipality
FEED = f"{AGENCY}.{MUNICIPALITY}"


def publisher_process(postgres, settings, broker, prefix: str) -> subprocess.Popen:
    url = f"postgresql://{quote(postgres.user)}@/{quote(postgres.dbname)}?host={quote(postgres.host)}&port={postgres.port}"
    env = {**os.environ, "SIGILL_DATABASE_URL": url, "SIGILL_DATA_DIR": str(settings.data_dir),
           "SIGILL_MASTER_KEY": settings.master_key.get_secret_value(),
           "SIGILL_KAFKA_BOOTSTRAP_SERVERS": broker.bootstrap, "SIGILL_KAFKA_TOPIC_PREFIX": prefix,
           "SIGILL_KAFKA_PUBLISH_BATCH": "300"}
    return subprocess.Popen([sys.executable, "-m", "services.cli", "feed", "publish"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def acknowledged(postgres, feed: str) -> int:
    """How many of the feed's messages PostgreSQL counts as published."""
    with psycopg.connect(postgres.conninfo()) as conn:
        row = conn.execute("SELECT count(*) FROM disclosure_log d JOIN feed_positions p USING (feed)"
                           " WHERE d.feed = %s AND d.seq <= p.last_seq", (feed,)).fetchone()
    return row[0]


def test_a_publisher_killed_mid_batch_loses_nothing_and_a_deduplicating_consumer_sees_each_once(
        app, settings, postgres, runner, kafka_broker):
    for _ in range(3):
        case_id = realistic_case(app)
        for n in range(300):  # by law (LUL 6 §), social services learns of each
            app.record_contribution(case_id, by=POLICE, category="crime", text=f"Misstanke {n}.", legal_basis="lul6")
    runner.catch_up()
    expected = {str(m.event_id) for m in runner.store.feed(FEED, 0, 100_000)}
    assert len(expected) > 900  # several batches

    prefix = f"t{uuid4().hex[:10]}"
    topic = f"{prefix}.{AGENCY}.{MUNICIPALITY}.disclosures"
    watcher = KafkaConsumer(bootstrap_servers=[kafka_broker.bootstrap])
    # The publisher may not record what the broker acknowledged until the kill: the feed's position (nothing
    # published yet) is locked.  Racing a publisher through its batches to kill it between an acknowledgement
    # and the position's update missed the window now and then: the publisher was done before the first look.
    holder = psycopg.connect(postgres.conninfo())
    holder.execute("INSERT INTO feed_positions VALUES (%s, 0)", (FEED,))
    holder.execute("SELECT * FROM feed_positions WHERE feed = %s FOR UPDATE", (FEED,))
    process = publisher_process(postgres, settings, kafka_broker, prefix)
    try:
        def on_broker() -> int:  # Tansu's end offsets can lag the last batch: this errs towards "not yet"
            partitions = watcher.partitions_for_topic(topic) or set()
            return sum(watcher.end_offsets([TopicPartition(topic, p) for p in partitions]).values())

        deadline = time.monotonic() + 30
        while on_broker() == 0:   # the broker holds messages PostgreSQL does not count as published
            assert time.monotonic() < deadline and process.poll() is None, "the publisher sent nothing"
            time.sleep(0.01)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)
    finally:
        watcher.close()
        holder.close()
        if process.poll() is None:
            process.kill()
    assert acknowledged(postgres, FEED) < len(expected)

    restarted = publisher_process(postgres, settings, kafka_broker, prefix)
    try:
        assert eventually(lambda: acknowledged(postgres, FEED) == len(expected), seconds=30)
    finally:
        restarted.send_signal(signal.SIGTERM)
        assert restarted.wait(timeout=30) == 0, restarted.stderr.read()

    records = read_topic(kafka_broker.bootstrap, topic, expect=len(expected))  # and whatever repeats follow
    ids = [header(r, "event_id") for r in records]
    assert set(ids) == expected                 # nothing lost
    # The interrupted batch is usually on the topic twice (sent, then sent again after the restart); whether
    # the repeats are read before the topic goes quiet depends on the broker's timing, so it is not asserted.
    deduplicated, seen = [], set()
    for event_id in ids:                        # a consumer that deduplicates has each message once
        if event_id not in seen:
            seen.add(event_id)
            deduplicated.append(event_id)
    assert sorted(deduplicated) == sorted(expected)
