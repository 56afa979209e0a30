"""A consumer of one agency's feed topic, for the reference consumer (`sigill feed consume`).

Offsets are committed only when asked — after the messages were handled —
never automatically, so a consumer that dies mid-way reads them again.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from kafka import KafkaConsumer
from kafka.errors import KafkaError

from gateways.kafka_publisher import describe
from services.feed_publisher import BrokerUnavailable


@dataclass(frozen=True)
class Received:
    event_id: str
    body: dict[str, Any]
    partition: int
    offset: int


class KafkaFeedConsumer:
    def __init__(self, bootstrap_servers: str, options: dict[str, Any] | None, topic: str, *, group: str,
                 from_beginning: bool) -> None:
        self.where = bootstrap_servers
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

    def poll(self, timeout: float, max_records: int | None = None) -> list[Received]:
        """The next messages (at most ``max_records``), in order within each partition (each case is in one
        partition).  Only what is returned counts as consumed: ``commit`` goes no further."""
        try:
            batches = self._consumer.poll(timeout_ms=int(timeout * 1000), max_records=max_records)
        except KafkaError as error:
            raise BrokerUnavailable(describe(error)) from None
        return [Received(_header(r.headers, "event_id"), json.loads(r.value), r.partition, r.offset)
                for records in batches.values() for r in records]

    def assigned(self) -> bool:
        """Whether the group has given this consumer its partitions yet (a new group takes a few seconds)."""
        return bool(self._consumer.assignment())

    def commit(self) -> None:
        """Commit the position after everything ``poll`` returned so far."""
        try:
            self._consumer.commit()
        except KafkaError as error:
            raise BrokerUnavailable(describe(error)) from None

    def close(self) -> None:
        self._consumer.close(autocommit=False)


def _header(headers: list[tuple[str, bytes]] | None, name: str) -> str:
    return next((value.decode() for key, value in headers or () if key == name), "")
