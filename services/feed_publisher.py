"""Publishes every agency's disclosure log to its own Kafka topic, from a position tracked in PostgreSQL.

Social services (the lead agency) is one agency across every municipality of the
installation, so its log is split: each message goes to its case's municipality's
topic, ``{prefix}.socialtjanst.{municipality}.disclosures``, and to no other.  Its
position stays one per agency: a batch is read once, routed, and the position moves
only once every municipality's part of it is acknowledged.

At least once to the broker, effectively once for a consumer that deduplicates
by the ``event_id`` header: a batch is sent, flushed and acknowledged (acks=all)
before the agency's position moves past it, so a crash or a broker outage at any
point only means that batch is sent again — with the same event ids.
Publication never happens inside an HTTP request: the follower (or
`sigill feed publish`) runs it beside the views.
"""

from __future__ import annotations

import logging
import threading
from typing import Callable, Iterable, Protocol, Sequence
from uuid import UUID

from eventsourcing.persistence import PersistenceError

from projections.agency_feed import FeedMessage

log = logging.getLogger("sigill.feed")

BATCH = 1000


class BrokerUnavailable(Exception):
    """The broker did not acknowledge a batch (unreachable, timed out, or refused it); the message says why."""


class FeedSource(Protocol):
    """The stored disclosure log and the publication positions (the agency view store)."""

    def feed(self, agency: str, after: int = 0, limit: int = 500) -> list[FeedMessage]: ...
    def feed_head(self) -> int: ...
    def feed_agencies(self, after: int) -> set[str]: ...
    def publication_positions(self) -> dict[str, int]: ...
    def advance_publication(self, agency: str, last_id: int) -> None: ...
    def advance_publications(self, positions: dict[str, int]) -> None: ...


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
                 municipality_of: Callable[[UUID], str | None], prefix: str = "sigill", batch_size: int = BATCH,
                 interval: float = 0.2, backoff: tuple[float, float] = (0.5, 30.0)) -> None:
        """``municipality_of``: a case's municipality code (erased or not), None when unknown (withheld)."""
        self.source, self.sink, self.agencies = source, sink, tuple(agencies)
        self.lead, self.municipality_of = lead, municipality_of
        self.prefix, self.batch_size, self.interval = prefix, batch_size, interval
        self.first_backoff, self.max_backoff = backoff

    def topic(self, agency: str, municipality: str | None = None) -> str:
        return topic_name(self.prefix, agency, self.lead, municipality)

    def publish_pending(self) -> int:
        """Publish every agency's messages after its position; returns how many were acknowledged."""
        head = self.source.feed_head()
        positions = self.source.publication_positions()
        if all(positions.get(agency, 0) >= head for agency in self.agencies):
            return 0  # the common case while idle: one cheap query, nothing to do
        moved: dict[str, int] = {}  # every agency's new position, stored together once the round is acknowledged
        # One query says which feeds have anything new; the others just move to the head.
        behind = self.source.feed_agencies(min(positions.get(agency, 0) for agency in self.agencies))
        published = 0
        for agency in self.agencies:
            if agency in behind:
                published += self._publish_agency(agency, positions.get(agency, 0), head, moved)
            else:
                moved[agency] = head
        self.source.advance_publications(moved)
        return published

    def _publish_agency(self, agency: str, position: int, head: int, moved: dict[str, int]) -> int:
        published = 0
        while position < head and (batch := self.source.feed(agency, position, self.batch_size)):
            published += self._send(agency, batch)
            position = batch[-1].id
            if len(batch) == self.batch_size:  # a backlog: keep its position current batch by batch
                self.source.advance_publication(agency, position)  # only after the broker acknowledged it
        moved[agency] = max(position, head)  # everything of the agency's up to the head is acknowledged
        return published

    def _send(self, agency: str, batch: list[FeedMessage]) -> int:
        """Publish a batch to its topic(s); returns once all of it is acknowledged, with how many were sent."""
        if agency != self.lead:
            self.sink.publish(self.topic(agency), batch)
            return len(batch)
        by_municipality: dict[str, list[FeedMessage]] = {}
        withheld = 0
        for message in batch:  # a case is in one municipality: each case's messages keep their order
            municipality = self.municipality_of(message.case_id)
            if municipality is None:
                withheld += 1  # no topic may have what cannot be placed (secrecy first)
            else:
                by_municipality.setdefault(municipality, []).append(message)
        for municipality, messages in sorted(by_municipality.items()):
            self.sink.publish(self.topic(agency, municipality), messages)
        if withheld:
            log.warning("%d of %s's feed messages withheld: their case's municipality is not recorded"
                        " (views built before case_municipality existed: run `sigill views rebuild`)",
                        withheld, agency)
        return len(batch) - withheld

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
