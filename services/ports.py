"""The ports the service layer needs; gateways implement them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Any, Callable, ContextManager, Iterable, NamedTuple, Protocol, Sequence
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


class CaseEventsReader(Protocol):
    """What the application's recorder reads besides the library's own (``gateways.postgres_recorder``, and
    ``gateways.memory_recorder`` in unit tests)."""

    def select_events_of_cases(self, case_ids: Sequence[UUID]) -> list[StoredEvent]:
        """The stored events of these cases in one read, by case and then version (a case without any: none)."""

    def select_versions_of_cases(self, case_ids: Sequence[UUID]) -> dict[UUID, int]:
        """Each case's latest stored version in one read (a case without events: left out)."""


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


class PublishedStatistics(Protocol):
    """An ended year's statistics as first answered to an evaluator, kept as made: never changed, never removed
    (``gateways.published_statistics_store``).  ``answer``: the de-identified figures alone, as JSON."""

    def published(self, municipality: str, year: int) -> tuple[dict[str, Any], datetime] | None:
        """The answer kept for the municipality's year and when it was made; None when none is."""

    def publish(self, municipality: str, year: int, answer: dict[str, Any], made_at: datetime
                ) -> tuple[dict[str, Any], datetime]:
        """Keep ``answer`` unless one is kept already (another evaluator's, at the same moment); the one kept."""


class Unnumbered(NamedTuple):
    """A row without a case number in a keyset cursor: its id, and whether it has none (``no_number``) or an empty
    one — its place among such rows (an empty number first, then none, each by id), carried in the cursor: a row
    erased between pages is no longer there to be asked."""
    case_id: UUID
    no_number: bool = True


# A row of the newest-first case list a keyset page starts after or ends before: its case number, or ``Unnumbered``
# when it has none (``CaseLists.page``) — numbers are given once each, and a case opened meanwhile does not move it.
IndexCursor = str | Unnumbered


class CaseLists(Protocol):
    def caught_up(self) -> int:
        """The views caught up as far as they go, and the position they are at now (another process may move them
        on after)."""

    def cases(self, agency: str, municipality: str | None = None, *, caught_up: bool = True
              ) -> list[dict[str, Any]]:
        """The agency's case list from its view (of one municipality's cases, given one), current up to the
        latest stored event (as the views stand, with ``caught_up`` False: the caller caught them up itself)."""

    def page(self, agency: str, municipality: str | None = None, phase: str = "", offset: int = 0,
             limit: int | None = None, newest_first: bool = False, after: IndexCursor | None = None,
             before: IndexCursor | None = None) -> tuple[list[dict[str, Any]], int]:
        """A page of ``cases`` (of one phase, given one; by case number, or the newest first) from ``offset``, at
        most ``limit`` rows, and how many rows the whole list shows — as slicing ``cases`` would, reading the page;
        newest first, the rows after the row ``after`` names, or the ``limit`` rows before the one ``before`` does."""

    def listed_by_number(self, agency: str, municipality: str, case_number: str) -> UUID | None:
        """The case the number names in the agency's list of the municipality's cases, current up to the latest
        stored event; None when it names none there (taken elsewhere or never given: the same work), nor while the
        list leaves the case out for its calendar (a consent's end not yet recorded by the keeper)."""

    def case_numbers(self, case_ids: list[UUID]) -> dict[UUID, str | None]:
        """These cases' numbers, current up to the latest stored event; a case not in the views left out."""

    def young_persons(self, case_ids: list[UUID]) -> dict[UUID, str]:
        """The personnummer (twelve digits) of each case's young person, from the lead's view of the case (its sealed
        ``case.subject`` fact); a case whose key is destroyed (erased) or not in the views left out."""

    def opened_and_closed_after(self, position: int) -> list[Any]:
        """The referrals and closures stored after ``position``, decoded, in order (a case whose key is destroyed or
        damaged left out): what the views may not have taken in yet."""

    def stored_log(self, case_id: UUID, agency: str | None = None, *, caught_up: bool = True
                   ) -> tuple[list[dict[str, Any]], int | None]:
        """The case's stored disclosure log rows (of one agency, given one), current up to the latest event (as
        stored, with ``caught_up`` False), and the id from which every row of the whole log has its cause
        (``services.stored_log.causes_required_from``)."""

    def deliveries(self, case_id: UUID, agency: str | None = None) -> list[dict[str, Any]]:
        """The case's messages acknowledged on the agencies' Kafka topics, in the order recorded
        (``gateways.feed_store.DELIVERIES_TABLE``)."""

    def erased_cases(self) -> list[dict[str, Any]]:
        """Erased cases the agencies were sent anything of: case id, municipality, when erased."""

    def closed_cases(self, municipality: str | None = None) -> list[tuple[UUID, Any]]:
        """Every closed case (of one municipality, given one), current up to the latest stored event, with the latest
        time among the facts the lead's view holds of it (None: none): the case's last event is no earlier."""

    def municipality_of(self, case_id: UUID) -> str | None:
        """The municipality the case was referred in (kept in plaintext by the views), None when the views have not
        taken the case in."""

    def municipality_cases(self, municipality: str) -> list[UUID]:
        """The id of every case referred in the municipality, erased ones too, current up to the latest stored
        event (the views' plaintext ``case_municipality``, which outlives an erasure)."""

    def replaced_log(self, case_id: UUID, agency: str | None = None) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """Every replacement of the disclosure log by a rebuild, oldest first, and the case's rows of them (of one
        agency, given one)."""


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware (UTC)."""


class ViewsMovedOn(IntegrityError):
    """Another process wrote the views past where this batch starts: start again from where it left them."""


# The catalogue recorded for views written under more than one agency catalogue (``view_rules.catalogue``, and a
# replaced log's, ``disclosure_log_replacements.catalogue``): never a catalogue's digest (32 hex digits).  The views
# store writes it (``gateways.agency_view_store``); a log replaced from such views is told apart
# (``services.stored_log.standing``): some of its rows were written under today's catalogue, some not.
MIXED_CATALOGUES = "mixed"


class ViewsUnderOtherRules(Exception):
    """The agency views are recorded as built under other disclosure rules than this process judges by: a batch it
    judged is not written (rows of two rules in one set of views).  A newer version's views are that version's
    followers' to keep (this process is to be upgraded); older ones, this version's follower rebuilds."""

    def __init__(self, views: int, process: int) -> None:
        self.views, self.process = views, process
        what = "upgrade this process" if views > process else "this version's follower rebuilds them"
        super().__init__(f"the agency views are built under disclosure rules {views}, this process has {process}:"
                         f" it writes no views ({what})")


class FeedsRebuilding(Exception):
    """The views are being built from the first event (a rebuild, or the first build over events already stored):
    until they are where the views they replace were, a fact visible at the position the build has reached may long
    since have ended, so no feed is read (``gateways.feed_pages``)."""

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


class MasterKeyCheck(Enum):
    """The master key a command was given, against the stored data keys, as a key store judges it as it opens."""

    UNWRAPS = "unwraps"          # `sigill serve` would start with it
    WRONG = "wrong"              # it would refuse: "cannot unwrap the stored data keys"
    NOT_ROTATED = "not_rotated"  # wrong, and SIGILL_PREVIOUS_MASTER_KEY unwraps them: the rotation is still to run
