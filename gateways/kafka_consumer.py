"""A consumer of one agency's feed topic, for the reference consumer (`sigill feed consume`).

Offsets are committed only when asked — after the messages were handled —
never automatically, so a consumer that dies mid-way reads them again.

kafka-python's ``poll`` never raises for a lost broker: it reconnects quietly,
forever, and a dead broker looks like a quiet topic.  So when nothing has come
for a while the consumer asks the broker a question of its own, and gives up
(``BrokerUnavailable``) when none has answered for ``UNREACHABLE_AFTER``.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

from kafka import KafkaConsumer, TopicPartition
from kafka.errors import KafkaError, RetriableError

from gateways.kafka_publisher import describe
from services.feed_publisher import BrokerUnavailable

QUIET_BEFORE_ASKING = 5.0   # seconds without a record before asking whether a broker is still there
ANSWER_WITHIN = 3.0         # seconds one question may take
CLOSE_WITHIN = 5.0          # seconds leaving the group may take: with the broker gone nobody waits for it
# Seconds without any answer before giving up: long enough for a broker's restart or a partition leader moving
# to another broker (the reconnect grace), short enough that a scheduled job learns of an outage in one run.
UNREACHABLE_AFTER = 15.0


@dataclass(frozen=True)
class Received:
    event_id: str
    body: dict[str, Any] | None   # None for a record that is not a JSON object: ``problem`` says what it is
    partition: int
    offset: int
    problem: str = ""
    id_generation: str = ""       # the ids' generation (its header): another one means every id was renewed


class KafkaFeedConsumer:
    def __init__(self, bootstrap_servers: str, options: dict[str, Any] | None, topic: str, *, group: str,
                 from_beginning: bool) -> None:
        self.where = bootstrap_servers
        self._topic = topic
        try:
            self._consumer = KafkaConsumer(
                topic, bootstrap_servers=bootstrap_servers.split(","), group_id=group, enable_auto_commit=False,
                auto_offset_reset="earliest" if from_beginning else "latest", client_id="sigill-feed-consume",
                bootstrap_timeout_ms=10_000,
                # Apache Kafka's smallest allowed session: a dead consumer's partitions move on within 6 s, and a
                # new member is admitted sooner (kafka-python 3's 45 s default kept Tansu waiting ~23 s).
                session_timeout_ms=6_000, heartbeat_interval_ms=2_000,
                metrics_enabled=False,   # the client's own sensors: CPU on every fetch, read by nothing here
                **(options or {}))
        except KafkaError as error:
            raise BrokerUnavailable(describe(error)) from None
        self._heard_from = time.monotonic()   # when a broker last sent records or answered a question

    def poll(self, timeout: float, max_records: int | None = None) -> list[Received]:
        """The next messages (at most ``max_records``), in order within each partition (each case is in one
        partition).  Only what is returned counts as consumed: ``commit`` goes no further.  Raises
        ``BrokerUnavailable`` once no broker has answered for ``UNREACHABLE_AFTER`` seconds."""
        try:
            batches = self._consumer.poll(timeout_ms=int(timeout * 1000), max_records=max_records)
        except KafkaError as error:
            raise BrokerUnavailable(describe(error)) from None
        if batches:
            self._heard_from = time.monotonic()
        elif time.monotonic() - self._heard_from >= QUIET_BEFORE_ASKING:
            self._ask_broker()
        return [_received(r) for records in batches.values() for r in records]

    def confirm_reachable(self) -> None:
        """Returns once a broker answers, so that quiet is known to be quiet; ``BrokerUnavailable`` when none has
        for ``UNREACHABLE_AFTER`` seconds."""
        while not self._ask_broker():
            time.sleep(0.5)

    def _ask_broker(self) -> bool:
        """Whether a broker answers now; ``BrokerUnavailable`` once none has for ``UNREACHABLE_AFTER`` seconds."""
        if self._broker_answers():
            self._heard_from = time.monotonic()
            return True
        if time.monotonic() - self._heard_from >= UNREACHABLE_AFTER:
            raise BrokerUnavailable(f"no broker has answered for {UNREACHABLE_AFTER:.0f} s")
        return False

    def _broker_answers(self) -> bool:
        """Whether the group's coordinator — the broker that takes this consumer's commits — answers a question
        (the group's committed offset of partition 0: harmless, and needs neither an assignment nor the topic to
        exist yet) in time.  A refusal is an answer, and one that will not go away: it is raised."""
        try:
            self._consumer.committed(TopicPartition(self._topic, 0), timeout_ms=int(ANSWER_WITHIN * 1000))
        except RetriableError:   # timeouts and lost connections: silence
            return False
        except KafkaError as error:
            raise BrokerUnavailable(describe(error)) from None
        return True

    def assigned(self) -> bool:
        """Whether the group has given this consumer its partitions yet (a new group takes a few seconds)."""
        return bool(self._consumer.assignment())

    def commit(self) -> None:
        """Commit the position after everything ``poll`` returned so far."""
        try:   # bounded: without a timeout kafka-python retries a commit to a lost coordinator forever
            self._consumer.commit(timeout_ms=int(UNREACHABLE_AFTER * 1000))
        except KafkaError as error:
            raise BrokerUnavailable(describe(error)) from None

    def close(self) -> None:
        self._consumer.close(autocommit=False, timeout_ms=int(CLOSE_WITHIN * 1000))


def _received(record: Any) -> Received:
    body, problem = _body(record.value)
    return Received(_header(record.headers, "event_id"), body, record.partition, record.offset, problem,
                    _header(record.headers, "id_generation"))


def _body(value: bytes | None) -> tuple[dict[str, Any] | None, str]:
    """The record's JSON object, or None and what the value is instead: anyone can write to a topic by mistake,
    and a record nobody can read must not stop the ones after it."""
    if value is None:
        return None, "it has no value"
    try:
        body = json.loads(value)
    except ValueError:   # not UTF-8, or not JSON
        return None, "it is not JSON"
    if not isinstance(body, dict):
        return None, "it is not a JSON object"
    return body, ""


def _header(headers: list[tuple[str, bytes]] | None, name: str) -> str:
    return next((value.decode(errors="replace") for key, value in headers or () if key == name), "")
