"""The ports the service layer needs; gateways implement them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable, ContextManager, Iterable, Protocol, Sequence
from uuid import UUID

from eventsourcing.persistence import IntegrityError, StoredEvent


class KeyStore(Protocol):
    """Per-aggregate data keys, wrapped at rest by the installation's master key."""

    def data_key(self, aggregate_id: UUID, *, create: bool) -> bytes | None:
        """The 32-byte data key; created when missing and ``create``; None once destroyed."""

    def create_keys(self, aggregate_ids: list[UUID]) -> None:
        """Make keys for many new aggregates at once (the batch import path)."""

    def warm(self, aggregate_ids: Iterable[UUID]) -> dict[UUID, bytes | None]:
        """Fetch many aggregates' keys at once before reading their events (the views' catch-up); returns those
        known now (None: destroyed; one that does not unwrap is left out)."""

    def cached(self, aggregate_id: UUID) -> tuple[bool, bytes | None]:
        """``data_key``'s answer if it is in memory, without a query: (True, key or None once destroyed);
        (False, None) when only a query could tell."""

    def destroy(self, aggregate_id: UUID) -> None:
        """Destroy the key for good, so that aggregate's stored events become unreadable."""

    def is_destroyed(self, aggregate_id: UUID) -> bool:
        """Whether the key existed and has been destroyed."""

    def when_destroyed(self, forget: Callable[[UUID], None]) -> None:
        """Call the bound method ``forget`` with each aggregate whose key is destroyed (here or, told, elsewhere)."""


class AsyncEvents(Protocol):
    """The event store's hot statements on one event loop (``gateways.async_event_store``)."""

    async def events_after(self, case_id: UUID, version: int) -> list[StoredEvent]:
        """The case's stored events after ``version``, in order."""

    async def insert(self, events: Sequence[StoredEvent], answers: Sequence[Any] = ()) -> Sequence[int]:
        """Store the events (and idempotency answers with them) in one transaction, maybe with other saves."""

    async def open(self) -> None: ...

    async def close(self) -> None: ...


class ReferralTurns(Protocol):
    """Referrals of one municipality take turns across every worker and process on the database
    (``gateways.referral_lock``): a referral's duplicate check and its append, one referral at a time."""

    def turn(self, municipality: str) -> ContextManager[None]:
        """Held while the block runs: the next referral of ``municipality`` waits until this one's case is
        committed (or the block has failed).  ConcurrentChange when the turn does not come within a while."""


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware (UTC)."""


class ViewsMovedOn(IntegrityError):
    """Another process wrote the views past where this batch starts: start again from where it left them."""


class FeedsRebuilding(Exception):
    """The views are being built from the first event (a rebuild, or the first build over events already stored):
    until they are where the views they replace were, a fact visible at the position the build has reached may long
    since have ended, so no feed is read (``gateways.feed_store``)."""

    def __init__(self, message: str = "the agency views are being built from the first event; the feeds are read"
                                      " again once they have caught up") -> None:
        super().__init__(message)


@dataclass(frozen=True)
class Readiness:
    """What a readiness probe learnt of the database (which answered)."""

    follower: bool       # a follower holds this database's and schema's lock: views, feeds, ledger, calendar move on
    # The head's notification id less the views' position: 0 exactly when current, else an upper bound of the
    # events still to take in (ids rolled-back writes took and left unused count too) (``gateways.readiness``).
    views_behind: int
    # Feed messages Kafka has yet to acknowledge, over every feed; None where this server publishes to no Kafka.
    kafka_unsent: int | None = None
