"""`sigill feed …`: publish the agency feeds to Kafka, and a reference consumer of one agency's topic."""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import OrderedDict
from typing import Any, TextIO

from services.feed_publisher import BrokerUnavailable
from services.settings import ConfigurationError, Settings

REMEMBERED = 100_000  # event ids kept for deduplication: far more than one publisher batch that can repeat


def register(sub: argparse._SubParsersAction) -> None:
    feed = sub.add_parser("feed", help="agency feeds on Kafka: publish them, or consume one agency's topic")
    commands = feed.add_subparsers(dest="feed_command", required=True, metavar="FEED_COMMAND")
    commands.add_parser("publish", help="publish every agency's disclosure log to Kafka until stopped (Ctrl-C)"
                        ).set_defaults(handler=_publish)
    consume = commands.add_parser("consume", help="a reference consumer: print an agency's messages, each once")
    consume.add_argument("--agency", required=True)
    consume.add_argument("--municipality", metavar="CODE", required=True,
                         help="the municipality whose topic to read (e.g. 0180): an agency has one per municipality")
    consume.add_argument("--group", help="consumer group (default: <agency>-<municipality>-reference-consumer)")
    consume.add_argument("--from-beginning", action="store_true",
                         help="start at the topic's first message when the group has no committed offset")
    consume.add_argument("--max-messages", type=_positive, help="stop after this many new messages")
    consume.add_argument("--idle-timeout", type=_positive, metavar="SECONDS",
                         help="stop when no message has come for this long")
    consume.set_defaults(handler=_consume)


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive whole number, got {text!r}")
    return int(text)


def _publish(args: argparse.Namespace) -> int:
    import logging
    import signal
    import threading

    from services.bootstrap import build_feed_publisher
    from services.cli_context import opened

    settings = Settings()
    if not settings.kafka_bootstrap_servers:
        raise ConfigurationError("SIGILL_KAFKA_BOOTSTRAP_SERVERS is not set: there is no Kafka to publish to")
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s %(message)s")
    logging.getLogger("sigill").setLevel(logging.INFO)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with opened() as (app, settings, location):
        publisher = build_feed_publisher(app, settings, location)
        prefix = settings.kafka_topic_prefix
        print(f"Publicerar myndigheternas flöden till Kafka ({settings.kafka_bootstrap_servers}, ett ämne per"
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
    return (f"{body['at']}  {body['change']:<13} {body['kind']:<16} {body['category']:<11} case={body['case_id']}"
            f" fact={body['fact_id']} basis={why}  {content}")


def _consume(args: argparse.Namespace, out: TextIO = sys.stdout) -> int:
    from services.bootstrap import build_feed_consumer, feed_topic

    settings = Settings()
    topic = feed_topic(settings, args.agency, args.municipality)  # names what is wrong before any connection
    group = args.group or f"{args.agency}-{args.municipality}-reference-consumer"
    try:
        consumer = build_feed_consumer(settings, args.agency, group=group, from_beginning=args.from_beginning,
                                       municipality=args.municipality)
    except BrokerUnavailable as error:
        print(f"sigill: kafka broker unreachable at {settings.kafka_bootstrap_servers} ({error})", file=sys.stderr)
        return 1
    print(f"Lyssnar på {topic} som grupp {group} …", file=sys.stderr, flush=True)
    seen, handled, repeats, last = Deduplicator(), 0, 0, None  # idle time counts once partitions are assigned
    try:
        while args.max_messages is None or handled < args.max_messages:
            if args.idle_timeout is not None and last is not None and time.monotonic() - last > args.idle_timeout:
                break
            # No more than may still be handled: what is polled is committed, and a message committed unhandled
            # would never be read again by this group.
            received = consumer.poll(timeout=0.5, max_records=None if args.max_messages is None
                                     else args.max_messages - handled)
            if last is None and consumer.assigned():
                last = time.monotonic()
            for message in received:
                if seen.first_time(message.event_id or f"{message.partition}:{message.offset}"):
                    print(describe(message.body), file=out, flush=True)  # handle the message …
                    handled += 1
                else:
                    repeats += 1
            if received:
                consumer.commit()  # … and only then commit its offset
                last = time.monotonic()
    except BrokerUnavailable as error:
        print(f"sigill: kafka broker unreachable at {consumer.where} ({error})", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        pass
    finally:
        consumer.close()
    print(f"{handled} meddelanden, {repeats} dubbletter överhoppade.", file=sys.stderr)
    return 0
