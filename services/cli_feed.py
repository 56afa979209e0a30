"""`sigill feed …`: publish the agency feeds to Kafka, and a reference consumer of one agency's topic."""

from __future__ import annotations

import argparse
import json
import logging
import re
import sys
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, TextIO

from projections.agency_feed import READABLE_SCHEMAS, SCHEMA, WITHHELD
from services.cli_context import AGENCY_HELP
from services.cli_said import said_back
from services.feed_publisher import BrokerUnavailable
from services.settings import ConfigurationError, Settings
from services.wording import counted, one_or_many

REMEMBERED = 100_000  # event ids kept for deduplication: far more than one publisher batch that can repeat
MOST_MESSAGES = 1_000_000_000  # --max-messages above this is a typo, and kafka-python cannot count past sys.maxsize
# What an operator checks when no broker answers (the line named the address alone).
CHECK_KAFKA = ("check that Kafka runs there and that SIGILL_KAFKA_BOOTSTRAP_SERVERS and SIGILL_KAFKA_SECURITY_PROTOCOL"
               " are the cluster's")


def register(sub: argparse._SubParsersAction) -> None:
    feed = sub.add_parser("feed", help="agency feeds on Kafka: publish them, or consume one agency's topic")
    commands = feed.add_subparsers(dest="feed_command", required=True, metavar="FEED_COMMAND")
    commands.add_parser("publish", help="publish every agency's disclosure log to Kafka until stopped (Ctrl-C)"
                        ).set_defaults(handler=_publish)
    consume = commands.add_parser("consume", help="a reference consumer: print an agency's messages, each once")
    consume.add_argument("--agency", required=True, help=AGENCY_HELP)
    consume.add_argument("--municipality", metavar="CODE", required=True,
                         help="the municipality whose topic to read (e.g. 0180): an agency has one per municipality")
    consume.add_argument("--group", help="consumer group (default: <agency>-<municipality>-reference-consumer)")
    consume.add_argument("--from-beginning", action="store_true",
                         help="start at the topic's first message when the group has no committed offset")
    consume.add_argument("--max-messages", type=_message_count, help="stop after this many new messages")
    consume.add_argument("--idle-timeout", type=_positive, metavar="SECONDS",
                         help="stop when no message has come for this long")
    consume.set_defaults(handler=_consume)


def _positive(text: str) -> int:
    if not (text.isascii() and text.isdigit()) or int(text) <= 0:   # isdigit alone lets '²' through to int()
        raise argparse.ArgumentTypeError(f"expected a positive whole number, got {said_back(text)}")
    return int(text)


def _message_count(text: str) -> int:
    count = _positive(text)
    if count > MOST_MESSAGES:
        raise argparse.ArgumentTypeError(f"expected at most {MOST_MESSAGES:,} messages, got {said_back(text)}")
    return count


def _publish(args: argparse.Namespace) -> int:
    import signal
    import threading

    from services.bootstrap.feeds import build_feed_publisher
    from services.cli_context import opened

    settings = Settings()
    if not settings.kafka_bootstrap_servers:
        raise ConfigurationError("SIGILL_KAFKA_BOOTSTRAP_SERVERS is not set: there is no Kafka to publish to")
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    logging.getLogger("sigill").setLevel(logging.INFO)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with opened() as (app, settings, location):
        publisher = build_feed_publisher(app, settings, location)
        prefix = settings.kafka_topic_prefix
        print(f"Publicerar aktörernas flöden till Kafka ({settings.kafka_bootstrap_servers}, ett ämne per"
              f" myndighet och kommun: {prefix}.<myndighet>.<kommunkod>.disclosures); Ctrl-C avslutar.", flush=True)
        try:
            publisher.run(stop)  # type: ignore[union-attr]
        except KeyboardInterrupt:
            pass
    print("Avslutat.")
    return 0


class Deduplicator:
    """Remembers the latest event ids seen; a message whose id it remembers is a repeat."""

    def __init__(self, size: int = REMEMBERED) -> None:
        self._seen: OrderedDict[str, None] = OrderedDict()
        self.size = size

    def forget(self) -> None:
        self._seen.clear()

    def first_time(self, event_id: str) -> bool:
        if event_id in self._seen:
            self._seen.move_to_end(event_id)
            return False
        self._seen[event_id] = None
        if len(self._seen) > self.size:
            self._seen.popitem(last=False)
        return True


def describe(body: dict[str, Any]) -> str:
    """One line: what changed, about which fact of which case, on what basis, and the content as JSON."""
    basis = body["basis"]
    why = basis["kind"] + (":" + ",".join(basis["consent_ids"]) if basis.get("consent_ids") else "") + (
        ":" + basis["legal_basis"] if basis.get("legal_basis") else "")
    content = "(erased)" if body.get("erased") else json.dumps(body["content"], ensure_ascii=False) \
        if body["content"] is not None else "-"
    if body["change"] == "erased":
        content = "(the case is erased: delete everything you hold of it)"
    kind, category = body["kind"] or WITHHELD, body["category"] or "-"   # null: no longer seen (schema 4)
    return (f"{body['at']}  {body['change']:<13} {kind:<16} {category:<11} case={body['case_id']}"
            f" fact={body['fact_id']} basis={why}  {content}")


def readable(message: Any) -> tuple[str, str]:   # a gateways.kafka_consumer.Received
    """The message's line, or ("", why this consumer cannot read the record)."""
    if message.body is None:
        return "", message.problem
    if message.body.get("schema") not in READABLE_SCHEMAS:   # 3: what a topic kept from before schema 4
        schema = repr(message.body.get("schema"))[:80]
        known = " and ".join(READABLE_SCHEMAS)
        return "", f"its schema is {schema}, which this consumer does not know (it reads {known})"
    try:
        return describe(message.body), ""
    except (KeyError, TypeError, AttributeError) as error:   # a field missing, or of the wrong type
        return "", f"it is not a well-formed {SCHEMA} message ({type(error).__name__}: {str(error)[:80]})"


@dataclass
class Tally:
    handled: int = 0
    repeats: int = 0
    unreadable: int = 0
    id_generation: str = ""   # of the ids handled so far ("" before the first record that names one)
    dropped: set[str] = field(default_factory=set)   # generations of ids renewed since
    by_partition: dict[int, str] = field(default_factory=dict)   # each partition's latest record's generation
    dropped_records: int = 0

    def __str__(self) -> str:
        # A message is "ett meddelande": "1 oläsbart överhoppat", "1 med förnyade id:n överhoppat".
        skipped = f", {counted(self.unreadable, 'oläsbart överhoppat', 'oläsbara överhoppade')}" if self.unreadable else ""
        passed = one_or_many(self.dropped_records, "överhoppat", "överhoppade")
        dropped = f", {self.dropped_records} med förnyade id:n {passed}" if self.dropped_records else ""
        return (f"{counted(self.handled, 'meddelande', 'meddelanden')},"
                f" {counted(self.repeats, 'dubblett överhoppad', 'dubbletter överhoppade')}{skipped}{dropped}.")


def _consume(args: argparse.Namespace, out: TextIO = sys.stdout) -> int:
    from services.bootstrap.feeds import build_feed_consumer
    from services.catalogue_loader import load_catalogue
    from services.cli_context import known_agency, known_municipality
    from services.kafka_settings import feed_topic

    settings = Settings()
    catalogue = load_catalogue(settings.catalogue)
    known_agency(catalogue, args.agency, field="--agency")
    known_municipality(catalogue, args.municipality)   # an empty one too: the caller's input (2)
    topic = feed_topic(settings, args.agency, args.municipality)  # names what is wrong before any connection
    group = args.group or f"{args.agency}-{args.municipality}-reference-consumer"
    # kafka-python logs each failed reconnection as a warning, some with a traceback, which Python prints when
    # nothing is configured: this consumer says what is wrong itself, in one line.
    logging.getLogger("kafka").addHandler(logging.NullHandler())
    try:
        consumer = build_feed_consumer(settings, args.agency, group=group, from_beginning=args.from_beginning,
                                       municipality=args.municipality)
    except BrokerUnavailable as error:
        print(f"sigill: kafka broker unreachable at {settings.kafka_bootstrap_servers} ({error}): {CHECK_KAFKA}",
              file=sys.stderr)
        return 1
    print(f"Lyssnar på {topic} som grupp {group} …", file=sys.stderr, flush=True)
    tally = Tally()
    try:
        _read(consumer, args, tally, out)
    except BrokerUnavailable as error:
        print(f"sigill: kafka broker unreachable at {consumer.where} ({error}): {CHECK_KAFKA}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        pass
    finally:
        consumer.close()
    print(tally, file=sys.stderr)
    return 0


def _of_dropped_generation(message: Any, seen: Deduplicator, tally: Tally) -> bool:
    """Whether the record is of a generation of ids dropped already: after a restore renewed the ids, the topic
    gets every message again under new ones, and a partition may still hold records of the old generation after
    another partition's first of the new (partitions interleave).  A record naming none (published before
    generations were named) is of the first one named.

    Which of two generations is the newer is told by a partition alone, whose records are in order: one whose
    record names another generation than its record before has moved on to renewed ids — then every event id and
    fact id of the one before is dropped, what is held under them would never be ended (said once, and the ids
    remembered forgotten).  Two partitions' first records naming two generations tell nothing: a consumer started
    again after a renewal may meet the new generation in a partition it had read to the end before the old one in
    a partition it had not.  Taken as a renewal (the first generation met being the older), the old was adopted,
    the new dropped, and every record after skipped — the ``ended`` of the facts held among them (a red team,
    2026-12-05); both are handled until a partition moves on."""
    generation = message.id_generation
    if not generation:
        return False
    if generation in tally.dropped:
        return True
    before = tally.by_partition.get(message.partition)
    tally.by_partition[message.partition] = generation
    if before is not None and before != generation:
        old, new = _printable(before), _printable(generation)
        print(f"sigill: the feed's ids were renewed after a restore (generation {old} → {new}): a consumer"
              f" that keeps what it is told drops everything it holds of generation {old} now, and takes the feed"
              " again from the new generation's records (README: Renewed ids)", file=sys.stderr, flush=True)
        tally.dropped.add(before)
        seen.forget()
        tally.id_generation = generation
    elif not tally.id_generation:
        tally.id_generation = generation
    return False


def _printable(generation: str) -> str:
    """A generation as Sigill writes it (12 hex characters) as it is; anything else a record's header held quoted and
    cut short, so that no control character of it reaches the operator's terminal."""
    return generation if re.fullmatch(r"[0-9a-f]{12}", generation) else ascii(generation[:40])


def _read(consumer: Any, args: argparse.Namespace, tally: Tally, out: TextIO) -> None:   # a KafkaFeedConsumer
    """Handle messages until --max-messages are handled or --idle-timeout passes; ``BrokerUnavailable`` when the
    broker is gone."""
    seen, last = Deduplicator(), None  # idle time counts once partitions are assigned
    while args.max_messages is None or tally.handled < args.max_messages:
        if args.idle_timeout is not None and last is not None and time.monotonic() - last > args.idle_timeout:
            consumer.confirm_reachable()   # nothing came because nothing was sent, not because the broker is gone
            return
        # No more than may still be handled: what is polled is committed, and a message committed unhandled
        # would never be read again by this group.
        received = consumer.poll(timeout=0.5, max_records=None if args.max_messages is None
                                 else args.max_messages - tally.handled)
        if last is None and consumer.assigned():
            last = time.monotonic()
        for message in received:
            _handle(message, seen, tally, out)
        if received:
            consumer.commit()  # only now, every message of the poll handled
            last = time.monotonic()


def _handle(message: Any, seen: Deduplicator, tally: Tally, out: TextIO) -> None:
    line, problem = readable(message)
    if not problem and _of_dropped_generation(message, seen, tally):
        tally.dropped_records += 1
        return
    if problem:
        # Skipped, and committed past with the rest: a record no one can read would otherwise stop the partition
        # for good, each restart failing on it again.  A real consumer parks it (with its partition and offset)
        # where a human will look, and goes on.
        print(f"sigill: skipped the record at partition {message.partition}, offset {message.offset}: {problem}",
              file=sys.stderr, flush=True)
        tally.unreadable += 1
    elif seen.first_time(message.event_id or f"{message.partition}:{message.offset}"):
        print(line, file=out, flush=True)  # handle the message (its offset is committed after the poll's last)
        tally.handled += 1
    else:
        tally.repeats += 1
