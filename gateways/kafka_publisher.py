"""The Kafka side of the feed publisher: an idempotent, acks=all producer that reports only acknowledged batches.

Any failure (no broker, a timeout, a refused record) closes the producer and
raises ``BrokerUnavailable``; the next attempt starts a fresh producer, so a
broker that comes back — even one that lost its state — is simply used again.
"""

from __future__ import annotations

import logging
from datetime import datetime, timezone
from typing import Any, Sequence

from kafka import KafkaProducer
from kafka.admin import KafkaAdminClient, NewTopic
from kafka.errors import KafkaError, TopicAlreadyExistsError

from projections.agency_feed import FeedMessage
from services.feed_publisher import BrokerUnavailable, Receipt

# kafka-python logs every refused connection at WARNING/ERROR, many lines a second while a broker is down;
# the publisher says it once per attempt instead.
logging.getLogger("kafka").setLevel(logging.CRITICAL)

PRODUCER_DEFAULTS: dict[str, Any] = {
    "acks": "all",                  # every in-sync replica has the batch before it counts as published
    "enable_idempotence": True,     # the client's own retries never duplicate or reorder within a partition
    "linger_ms": 0,                 # a message the views just committed goes at once (a backlog is flushed anyway)
    "batch_size": 262_144,          # 256 KiB record batches: 1.6x the 16 KiB default's rate on a catch-up
    "max_block_ms": 5_000,          # send() waiting for metadata (an unreachable broker) gives up after 5 s
    "request_timeout_ms": 5_000,
    "delivery_timeout_ms": 15_000,  # a batch not acknowledged within 15 s fails: the publisher retries later
    "reconnect_backoff_max_ms": 1_000,
    "bootstrap_timeout_ms": 5_000,  # no broker answering at all: give up after 5 s
    "metrics_enabled": False,       # nothing reads the client's own metrics; its sensors were ~5 % of the
                                    # follower's Python time at 200 messages/s (py-spy), beside the views
}
ADMIN_DEFAULTS: dict[str, Any] = {"bootstrap_timeout_ms": 5_000, "request_timeout_ms": 5_000}
FLUSH_TIMEOUT = 20.0


def describe(error: BaseException) -> str:
    """One short line: the error's class and the first line of its text (kafka-python's, never a payload)."""
    name = type(error).__name__
    text = str(error).splitlines()[0] if str(error) else ""
    while text.startswith(name + ":"):  # kafka-python's errors often name themselves
        text = text[len(name) + 1:].strip()
    return f"{name}: {text[:160]}" if text else name


class KafkaMessageSink:
    def __init__(self, bootstrap_servers: str, options: dict[str, Any] | None = None, *, partitions: int = 3,
                 client_id: str = "sigill-feed-publisher", producer: dict[str, Any] | None = None) -> None:
        """``options``: connection and security settings for every client; ``producer``: producer tuning."""
        self.where = bootstrap_servers
        self._options = {"bootstrap_servers": bootstrap_servers.split(","), "client_id": client_id,
                         **(options or {})}
        self._producer_options = {**PRODUCER_DEFAULTS, **(producer or {})}
        self._partitions = partitions
        self._producer: KafkaProducer | None = None
        self._topics: set[str] = set()

    def publish(self, topic: str, messages: Sequence[FeedMessage]) -> list[Receipt]:
        """Send the batch in order, flush, and return once every message is acknowledged (their receipts, in order);
        else ``BrokerUnavailable``."""
        acks = self.send_all([(topic, messages)])
        try:
            self._connected().flush(timeout=FLUSH_TIMEOUT)
        except KafkaError as error:
            self.close()
            raise BrokerUnavailable(describe(error)) from None
        return acks.wait()

    def send_all(self, batches: Sequence[tuple[str, Sequence[FeedMessage]]]) -> "Acknowledgements":
        """Send each topic's batch in order without waiting: the broker's answers come in the returned
        ``Acknowledgements`` (each partition keeps its order: the producer is idempotent)."""
        try:
            producer = self._connected()
            futures = []
            for topic, messages in batches:
                self._ensure_topic(topic)
                futures += [producer.send(topic, key=m.key(), value=m.body(), headers=m.headers()) for m in messages]
        except KafkaError as error:
            self.close()
            raise BrokerUnavailable(describe(error)) from None
        return Acknowledgements(futures, self)

    def close(self) -> None:
        producer, self._producer = self._producer, None
        self._topics.clear()  # a broker that comes back may have lost them (a memory-only test broker does)
        if producer is not None:
            try:
                producer.close(timeout=0)
            except KafkaError:
                # close() flushes first, and with records still unanswered it gives up there, before closing
                # anything: its sender would go on delivering them beside the next producer's re-sends.  Stop
                # it without them (their answers become errors, which the publisher reads as a refusal).
                sender = getattr(producer, "_sender", None)
                if sender is not None:
                    sender.force_close()

    def _connected(self) -> KafkaProducer:
        if self._producer is None:
            self._producer = KafkaProducer(**self._producer_options, **self._options)
        return self._producer

    def _ensure_topic(self, topic: str) -> None:
        """Create the topic if it is missing (clusters that refuse the request must have it created by hand)."""
        if topic in self._topics:
            return
        admin = KafkaAdminClient(**{**ADMIN_DEFAULTS, **self._options,
                                    "bootstrap_timeout_ms": self._producer_options["bootstrap_timeout_ms"]})
        try:
            admin.create_topics([NewTopic(topic, num_partitions=self._partitions, replication_factor=-1)])
        except TopicAlreadyExistsError:
            pass
        except KafkaError as error:
            if "Authorization" not in type(error).__name__:
                raise
        finally:
            admin.close()
        self._topics.add(topic)


class Acknowledgements:
    """The broker's answers to one ``send_all``: ``done`` when every message has one, ``wait`` for them."""

    def __init__(self, futures: list[Any], sink: KafkaMessageSink) -> None:
        self.futures, self._sink = futures, sink
        # When each acknowledgement reached this process (the producer's thread calls back as it reads the broker's
        # answer): the auditors' record of deliveries says when, not when the publisher got round to asking.
        self._acknowledged_at: list[datetime | None] = [None] * len(futures)
        for index, future in enumerate(futures):
            future.add_callback(self._acknowledged, index)

    def _acknowledged(self, index: int, _metadata: Any) -> None:
        self._acknowledged_at[index] = datetime.now(timezone.utc)

    def done(self) -> bool:
        return all(future.is_done for future in self.futures)

    def wait(self) -> list[Receipt]:
        """Every message's receipt (partition, offset, when acknowledged), in the order sent, once every one is
        acknowledged; else close the producer and raise ``BrokerUnavailable``."""
        try:
            answers = [future.get(timeout=FLUSH_TIMEOUT) for future in self.futures]  # raises a failed record's error
        except Exception as error:  # a record's error need not be kafka-python's own class
            self._sink.close()
            raise BrokerUnavailable(describe(error)) from None
        return [Receipt(answer.topic, answer.partition, answer.offset, at or datetime.now(timezone.utc))
                for answer, at in zip(answers, self._acknowledged_at)]
