"""Publishes every agency's feed to its own Kafka topic, from positions tracked in PostgreSQL.

An agency takes part in the groups of one municipality at a time — social services leads its
own municipality's, a school or the police sit in the groups of the municipality they serve —
so every agency's log is split into one feed per municipality, each numbered on its own, and
each feed goes to its own topic, ``{prefix}.{agency}.{municipality}.disclosures``, and to no
other: the school of Malmö never receives a Stockholm case.

At least once to the broker, effectively once for a consumer that deduplicates
by the ``event_id`` header: a batch is acknowledged (acks=all) before its feed's
position moves past it, so a crash or a broker outage at any point only means
that batch is sent again — with the same event ids.  A batch the views have just
committed goes out at once, without waiting for the answer to the one before it
(the producer is idempotent, so each partition keeps its order); its answer is
collected later (``settle``), and a refusal sends everything after the last
acknowledged position again, from the stored feeds.
Publication never happens inside an HTTP request: the follower (or
`sigill feed publish`) runs it beside the views.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable, Iterable, NamedTuple, Protocol, Sequence
from uuid import UUID

from eventsourcing.persistence import PersistenceError, ProgrammingError

from projections.agency_feed import FeedMessage, agency_of
from services.ports import FeedsRebuilding

log = logging.getLogger("sigill.feed")

BATCH = 1000
OFFERS_KEPT = 64       # batches offered and not yet sent; beyond that the oldest go and the stored feeds are read
IN_FLIGHT = 256        # offered batches sent and not yet acknowledged; beyond that the oldest is waited for
ADVANCE_EVERY = 0.5    # s: positions of offered batches are stored this often (a crash repeats at most this much)


class BrokerUnavailable(Exception):
    """The broker did not acknowledge a batch (unreachable, timed out, or refused it); the message says why."""


class Receipt(NamedTuple):
    """The broker's acknowledgement of one message: where it put it, and when the answer reached Sigill."""

    topic: str
    partition: int
    offset: int
    acknowledged_at: datetime


@dataclass(frozen=True)
class Delivery:
    """One message the broker acknowledged, as the auditors' record keeps it (``feed_deliveries``): ids and
    positions only — which message of which feed and case, where on the topic, when — never its content."""

    feed: str
    epoch: str            # the numbering ``seq`` counts in (a rebuild starts another)
    seq: int
    event_id: UUID
    case_id: UUID
    fact_id: str          # the fact's public id, as the message named it
    receipt: Receipt


def deliveries(epoch: str, messages: Sequence[FeedMessage], receipts: Sequence[Receipt] | None) -> list[Delivery]:
    """Messages paired with their receipts, in the order sent; none from a sink that gives no receipts."""
    return [Delivery(m.feed, epoch, m.seq, m.event_id, m.case_id, m.fact_id, r)
            for m, r in zip(messages, receipts or ())]


class FeedSource(Protocol):
    """The stored feeds and their publication positions (the agency view store)."""

    def feed(self, feed: str, after: int = 0, limit: int = 500, now: Any = None) -> list[FeedMessage]: ...
    def written_messages(self, logs: Sequence[Any], now: Any = None) -> list[FeedMessage]: ...
    def feeds_building(self) -> bool: ...
    def feed_heads(self) -> tuple[str, dict[str, int]]: ...
    def publication_positions(self) -> dict[str, int]: ...
    def advance_publications(self, epoch: str, positions: dict[str, int],
                             delivered: Sequence[Delivery] = ()) -> None: ...


class Acknowledgements(Protocol):
    """The broker's answers to the messages of one ``send_all``."""

    def done(self) -> bool: ...

    def wait(self) -> list[Receipt] | None:
        """Every message's receipt, in the order sent, once every one is acknowledged; else raise
        ``BrokerUnavailable``.  None: the sink gives no receipts (a test's), and nothing is recorded."""


class MessageSink(Protocol):
    """A Kafka producer."""

    where: str  # where the broker is, for log lines (no credentials)

    def publish(self, topic: str, messages: Sequence[FeedMessage]) -> list[Receipt] | None:
        """Send and flush; the receipts, or ``BrokerUnavailable`` unless every message was acknowledged."""

    def send_all(self, batches: Sequence[tuple[str, Sequence[FeedMessage]]]) -> Acknowledgements:
        """Send several topics' batches, each in order, without waiting for the broker's answers."""

    def close(self) -> None: ...


class MunicipalTopicNeeded(ValueError):
    """Every agency's feed has one topic per municipality: a topic names the municipality."""


def topic_name(prefix: str, agency: str, municipality: str | None) -> str:
    """An agency's topic in one municipality (``MunicipalTopicNeeded`` without one)."""
    if not municipality:
        raise MunicipalTopicNeeded(f"{agency}'s feed is published per municipality: name the municipality"
                                   f" ({prefix}.{agency}.<municipality>.disclosures)")
    return f"{prefix}.{agency}.{municipality}.disclosures"


class FeedPublisher:
    def __init__(self, source: FeedSource, sink: MessageSink, agencies: Iterable[str], *,
                 prefix: str = "sigill", batch_size: int = BATCH, interval: float = 0.2,
                 backoff: tuple[float, float] = (0.5, 30.0), now: Callable[[], Any] | None = None) -> None:
        self.source, self.sink, self.agencies = source, sink, frozenset(agencies)
        # The application's clock: the stored feeds are read as of now, so a feed waits before a case whose calendar
        # moment has come but is not recorded yet (as the HTTP feed serves it): sent without content then, a message
        # would never be sent again with it.  None: content as the views hold it.
        self._now = now
        self.prefix, self.batch_size, self.interval = prefix, batch_size, interval
        self.first_backoff, self.max_backoff = backoff
        # What the views' writer in this process has just committed, handed over so that it is sent without
        # being read back (``offer``); and per feed the last number acknowledged, as this publisher knows it.
        self._offered: deque[Any] = deque(maxlen=OFFERS_KEPT)
        self._wake = threading.Event()
        self._known: dict[str, int] | None = None  # sent, per feed; None until a round over the stored feeds
        self._in_flight: deque[tuple[Acknowledgements, dict[str, int], list[FeedMessage], str]] = deque()  # (answers,
        # feeds' last numbers, messages, epoch) of offered batches sent and not yet acknowledged, oldest first
        self._epoch: str | None = None             # the numbering ``_known`` counts in
        self._unstored: dict[str, int] = {}        # acknowledged, not yet stored as positions
        self._unrecorded: list[Delivery] = []      # acknowledged, not yet in the auditors' record
        self._stored_at = 0.0
        self._clock: Callable[[], float] = time.monotonic

    def topic(self, agency: str, municipality: str | None) -> str:
        return topic_name(self.prefix, agency, municipality)

    def offer(self, written: Any) -> None:
        """A batch of the disclosure log just committed by the views' writer in this process (in commit order,
        with its feed numbers and plaintext: a ``WrittenLog``).  It is sent as it is when it follows what each
        of its feeds sent last; otherwise the stored feeds are read, as they always are when nothing is offered."""
        self._offered.append(written)
        self._wake.set()

    def publish_pending(self) -> int:
        """Publish every feed's messages after its position; returns how many were sent.  An offered batch's
        acknowledgement may still be awaited (``settle``); the stored feeds' are not."""
        self.settle()  # a batch refused since the last round: its feeds are read from the stored positions
        offered = self._take_offered()
        if offered:
            published = self._publish_offered(offered)
            if published is not None:
                return published
        self.settle(wait=True)  # the stored positions must be the whole truth before the stored feeds are read
        return self._publish_stored()

    def settle(self, *, wait: bool = False) -> int:
        """Take in the answers to offered batches, oldest first: those acknowledged may have their positions
        stored.  Without ``wait`` only those answered already (and the oldest beyond ``IN_FLIGHT``); with it,
        every one.  A refusal raises ``BrokerUnavailable``, and what was sent after the last acknowledged batch
        is sent again from the stored feeds.  Returns how many messages were acknowledged."""
        acknowledged = 0
        while self._in_flight and (wait or len(self._in_flight) > IN_FLIGHT or self._in_flight[0][0].done()):
            answers, sent, messages, epoch = self._in_flight[0]
            try:
                receipts = answers.wait()
            except BrokerUnavailable:
                self._in_flight.clear()
                self._known = None  # where each feed stands is the stored positions' to say again
                raise
            self._in_flight.popleft()
            self._unstored.update(sent)
            self._unrecorded += deliveries(epoch, messages, receipts)
            acknowledged += len(messages)
        return acknowledged

    def _take_offered(self) -> list[Any]:
        taken = []
        while self._offered:
            taken.append(self._offered.popleft())
        return taken

    def _publish_offered(self, offered: list[Any]) -> int | None:
        """Send offered batches that follow what each feed sent last; None (nothing sent) if one does not."""
        if any(written.epoch != self._epoch for written in offered):
            return None  # the feeds were numbered anew (a rebuild): start again from the stored positions
        if any(written.building for written in offered):
            self._known = None   # written during a build from the first event: the stored feeds, once it is done
            return None
        known = self._known
        if known is None:
            return None  # no stored round has told where each feed stands yet
        by_feed: dict[str, list[FeedMessage]] = {}
        as_of = {} if self._now is None else {"now": self._now()}
        for message in self.source.written_messages(offered, **as_of):
            if message.seq > known.get(message.feed, 0):
                by_feed.setdefault(message.feed, []).append(message)
        if any(batch[0].seq != known.get(feed, 0) + 1 for feed, batch in by_feed.items()):
            return None  # something else was written in between (an erasure, another process): read the feeds
        sending = [(topic, batch) for feed, batch in sorted(by_feed.items())
                   if (topic := self._topic_of(feed, len(batch))) is not None]
        try:
            answers = self.sink.send_all(sending)
        except BrokerUnavailable:
            self._known = None  # part of it may have gone: the stored feeds say where each feed stands
            raise
        sent = {feed: batch[-1].seq for feed, batch in by_feed.items()}
        known.update(sent)
        self._in_flight.append((answers, sent, [m for _, batch in sending for m in batch], self._epoch))
        return sum(len(batch) for batch in by_feed.values())

    def store_positions(self) -> None:
        """Store how far offered batches were sent (acknowledged, so a restart need not send them again)."""
        self._stored_at = self._clock()
        if (self._unstored or self._unrecorded) and self._epoch is not None:
            unstored, self._unstored = self._unstored, {}
            try:
                self._advance(self._epoch, unstored)
            except BaseException:
                self._unstored = {**unstored, **self._unstored}
                raise

    def _advance(self, epoch: str, positions: dict[str, int]) -> None:
        """Store positions, and with them (one transaction) the deliveries acknowledged so far: a crash loses both,
        and the messages are sent — and recorded — again; a delivery is never recorded that was not acknowledged."""
        delivered, self._unrecorded = self._unrecorded, []
        try:
            self.source.advance_publications(epoch, positions, delivered)
        except BaseException:
            self._unrecorded = delivered + self._unrecorded
            raise

    def _publish_stored(self) -> int:
        """The stored feeds: every feed's messages after its stored position, read back from the disclosure log.

        What offered batches sent is stored first, so the stored positions are the whole truth: a position
        reset meanwhile (to publish a feed again) is taken as it is."""
        self.store_positions()
        epoch, heads = self.source.feed_heads()
        positions = self.source.publication_positions()
        # Asked after the epoch is read: a rebuild beginning after this answer numbers anew, and its batches are
        # refused for their epoch; one that began before is seen here.
        if self.source.feeds_building():
            self._known = None   # offered batches wait, too, for a stored round that finds the build finished
            return 0
        if epoch != self._epoch:  # first round, or the feeds were numbered anew: what was sent counts no more
            self._epoch, self._unstored = epoch, {}
        behind = {feed: head for feed, head in heads.items() if head > positions.get(feed, 0)}
        moved: dict[str, int] = {}  # the feeds' new positions, stored together once the round is acknowledged
        published = 0
        try:
            for feed, head in sorted(behind.items()):
                published += self._publish_feed(epoch, feed, positions.get(feed, 0), head, moved)
        except FeedsRebuilding:   # a rebuild began during the round: its epoch's positions count no more
            self._known = None
            return published
        if moved:
            self._advance(epoch, moved)
        self._known = {**positions, **moved}
        return published

    def _topic_of(self, feed: str, count: int) -> str | None:
        """The feed's topic; None when it has none (its messages are passed over, and that is said once)."""
        agency, municipality = agency_of(feed)
        if agency not in self.agencies:
            return None  # no longer in the catalogue: nobody to publish to
        if municipality is None:
            # No topic may have what cannot be placed (secrecy first); its position moves, so this is said once.
            log.warning("%d of %s's feed messages withheld: their case's municipality is not recorded"
                        " (views built before every feed was per municipality: run `sigill views rebuild`)",
                        count, agency)
            return None
        return self.topic(agency, municipality)

    def _publish_feed(self, epoch: str, feed: str, position: int, head: int, moved: dict[str, int]) -> int:
        topic, published = self._topic_of(feed, head - position), 0
        if topic is None:
            moved[feed] = head
            return 0
        as_of = {} if self._now is None else {"now": self._now()}
        while position < head and (batch := self.source.feed(feed, position, self.batch_size, **as_of)):
            self._unrecorded += deliveries(epoch, batch, self.sink.publish(topic, batch))
            published += len(batch)
            position = batch[-1].seq
            if len(batch) == self.batch_size:  # a backlog: keep its position current batch by batch
                self._advance(epoch, {feed: position})  # only once the broker acknowledged it
        moved[feed] = position
        return published

    def run(self, stop: threading.Event, wake: threading.Event | None = None) -> None:
        """Until ``stop`` is set: publish what is new, riding out an unreachable broker or database."""
        backoff = self.first_backoff
        wake = self._wake = wake or self._wake
        tally = _Tally(self._clock)
        try:
            while not stop.is_set():
                wake.clear()  # before the round: what the views add during it wakes the next one
                try:
                    tally.add(self.publish_pending())
                    backoff = self.first_backoff
                    if self._clock() - self._stored_at >= ADVANCE_EVERY:
                        self.settle()
                        self.store_positions()
                except BrokerUnavailable as error:
                    log.warning("kafka broker unreachable at %s (%s); retrying in %s s", self.sink.where, error,
                                _seconds(backoff))
                    stop.wait(backoff)
                    backoff = min(backoff * 2, self.max_backoff)
                    continue
                except ProgrammingError as error:   # answered, and refused: the schema, not the network
                    log.error("the database refused the publisher's statements (%s): a table or grant an upgrade"
                              " adds is missing where the tables' owner is kept apart; run `sigill database setup`"
                              " as the owner (deploy/README.md, section 1); retrying in %s s",
                              type(error).__qualname__, _seconds(backoff))
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
                wake.wait(self.interval)  # set already when something was written during the round
        finally:
            self._store_quietly()
            tally.flush()
            self.sink.close()
            self._forget()

    def _forget(self) -> None:
        """A stopped publisher knows nothing of where the feeds stand: when it runs again (its follower took the
        lock back), another publisher may have sent meanwhile, so the stored positions say where to go on."""
        self._known, self._epoch, self._unstored, self._unrecorded = None, None, {}, []
        self._in_flight.clear()
        self._offered.clear()

    def _store_quietly(self) -> None:
        try:
            self.settle(wait=True)  # what was sent before stopping is acknowledged, and its positions stored
        except BrokerUnavailable:
            pass  # sent again after a restart, from the positions acknowledged before it
        try:
            self.store_positions()
        except (PersistenceError, OSError) as error:  # they are stored later; at worst a restart repeats them
            log.warning("feed positions not stored now (%s)", type(error).__qualname__)


def _seconds(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


class _Tally:
    """Sent counts said in a log line at most every ``every`` s, not once per round (hundreds a second)."""

    def __init__(self, clock: Callable[[], float], every: float = 10.0) -> None:
        self._clock, self.every = clock, every
        self._count, self._since = 0, clock()

    def add(self, published: int) -> None:
        self._count += published
        if self._count and self._clock() - self._since >= self.every:
            self.flush()

    def flush(self) -> None:
        if self._count:
            log.info("%d feed messages sent in %.0f s", self._count, self._clock() - self._since)
        self._count, self._since = 0, self._clock()
