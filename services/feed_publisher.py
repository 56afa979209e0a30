"""Publishes every agency's feed to its own Kafka topic, from positions tracked in PostgreSQL.

Social services (the lead agency) is one agency across every municipality of the
installation, so its log is split into one feed per municipality — each numbered on
its own — and each feed goes to its municipality's topic,
``{prefix}.socialtjanst.{municipality}.disclosures``, and to no other.

At least once to the broker, effectively once for a consumer that deduplicates
by the ``event_id`` header: a batch is sent, flushed and acknowledged (acks=all)
before its feed's position moves past it, so a crash or a broker outage at any
point only means that batch is sent again — with the same event ids.
Publication never happens inside an HTTP request: the follower (or
`sigill feed publish`) runs it beside the views.
"""

from __future__ import annotations

import logging
import threading
from typing import Iterable, Protocol, Sequence

from eventsourcing.persistence import PersistenceError

from projections.agency_feed import FeedMessage, agency_of

log = logging.getLogger("sigill.feed")

BATCH = 1000


class BrokerUnavailable(Exception):
    """The broker did not acknowledge a batch (unreachable, timed out, or refused it); the message says why."""


class FeedSource(Protocol):
    """The stored feeds and their publication positions (the agency view store)."""

    def feed(self, feed: str, after: int = 0, limit: int = 500) -> list[FeedMessage]: ...
    def feed_heads(self) -> tuple[str, dict[str, int]]: ...
    def publication_positions(self) -> dict[str, int]: ...
    def advance_publications(self, epoch: str, positions: dict[str, int]) -> None: ...


class MessageSink(Protocol):
    """A Kafka producer: returns only once the broker has acknowledged every message of the batch."""

    where: str  # where the broker is, for log lines (no credentials)

    def publish(self, topic: str, messages: Sequence[FeedMessage]) -> None:
        """Send and flush; raises ``BrokerUnavailable`` unless every message was acknowledged."""

    def close(self) -> None: ...


class MunicipalTopicNeeded(ValueError):
    """Social services' feed has one topic per municipality: a topic of it names the municipality."""


def topic_name(prefix: str, agency: str, lead: str, municipality: str | None = None) -> str:
    """An agency's topic; the lead agency's is its municipality's (``MunicipalTopicNeeded`` without one)."""
    if agency != lead:
        return f"{prefix}.{agency}.disclosures"
    if not municipality:
        raise MunicipalTopicNeeded(f"{agency}'s feed is published per municipality: name the municipality"
                                   f" ({prefix}.{agency}.<municipality>.disclosures)")
    return f"{prefix}.{agency}.{municipality}.disclosures"


class FeedPublisher:
    def __init__(self, source: FeedSource, sink: MessageSink, agencies: Iterable[str], *, lead: str,
                 prefix: str = "sigill", batch_size: int = BATCH, interval: float = 0.2,
                 backoff: tuple[float, float] = (0.5, 30.0)) -> None:
        self.source, self.sink, self.agencies, self.lead = source, sink, frozenset(agencies), lead
        self.prefix, self.batch_size, self.interval = prefix, batch_size, interval
        self.first_backoff, self.max_backoff = backoff

    def topic(self, agency: str, municipality: str | None = None) -> str:
        return topic_name(self.prefix, agency, self.lead, municipality)

    def publish_pending(self) -> int:
        """Publish every feed's messages after its position; returns how many were acknowledged."""
        epoch, heads = self.source.feed_heads()
        positions = self.source.publication_positions()
        behind = {feed: head for feed, head in heads.items() if head > positions.get(feed, 0)}
        if not behind:
            return 0  # the common case while idle: two cheap queries, nothing to do
        moved: dict[str, int] = {}  # the feeds' new positions, stored together once the round is acknowledged
        published = 0
        for feed, head in sorted(behind.items()):
            published += self._publish_feed(epoch, feed, positions.get(feed, 0), head, moved)
        self.source.advance_publications(epoch, moved)
        return published

    def _publish_feed(self, epoch: str, feed: str, position: int, head: int, moved: dict[str, int]) -> int:
        agency, municipality = agency_of(feed)
        if agency not in self.agencies:
            moved[feed] = head  # no longer in the catalogue: nobody to publish to
            return 0
        if agency == self.lead and municipality is None:
            # No topic may have what cannot be placed (secrecy first); its position moves, so this is said once.
            log.warning("%d of %s's feed messages withheld: their case's municipality is not recorded"
                        " (views built before case_municipality existed: run `sigill views rebuild`)",
                        head - position, agency)
            moved[feed] = head
            return 0
        topic, published = self.topic(agency, municipality), 0
        while position < head and (batch := self.source.feed(feed, position, self.batch_size)):
            self.sink.publish(topic, batch)
            published += len(batch)
            position = batch[-1].seq
            if len(batch) == self.batch_size:  # a backlog: keep its position current batch by batch
                self.source.advance_publications(epoch, {feed: position})  # only once the broker acknowledged it
        moved[feed] = position
        return published

    def run(self, stop: threading.Event, wake: threading.Event | None = None) -> None:
        """Until ``stop`` is set: publish what is new, riding out an unreachable broker or database."""
        backoff = self.first_backoff
        wake = wake or threading.Event()
        try:
            while not stop.is_set():
                wake.clear()  # before the round: what the views add during it wakes the next one
                try:
                    published = self.publish_pending()
                    backoff = self.first_backoff
                    if published:
                        log.info("%d feed messages published", published)
                        continue
                except BrokerUnavailable as error:
                    log.warning("kafka broker unreachable at %s (%s); retrying in %s s", self.sink.where, error,
                                _seconds(backoff))
                    stop.wait(backoff)
                    backoff = min(backoff * 2, self.max_backoff)
                    continue
                except (PersistenceError, OSError) as error:  # the class only: its text could quote data
                    log.warning("the database cannot be reached (%s); retrying in %s s", type(error).__qualname__,
                                _seconds(backoff))
                    stop.wait(backoff)
                    backoff = min(backoff * 2, self.max_backoff)
                    continue
                except Exception as error:  # never a dead publisher; never a tight crash loop either
                    log.error("feed publication failed (%s); retrying in %s s", type(error).__qualname__,
                              _seconds(backoff))
                    stop.wait(backoff)
                    backoff = min(backoff * 2, self.max_backoff)
                    continue
                wake.wait(self.interval)
        finally:
            self.sink.close()


def _seconds(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")
