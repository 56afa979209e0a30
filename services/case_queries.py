"""The case application's queries: a case as it stands, its history, what an agency may see of it at a moment
(and, for auditors, its standing then), the disclosure log, a case's number resolved.

A mixin of ``CaseApplication`` (``services.application``), apart from its commands: these read the stored
history through the disclosure rules and record nothing.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, Iterable, Iterator, Sequence, cast
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import StoredEvent

from domain.case import Case
from domain.case_events import ReferralReceived
from domain.case_numbers import is_case_number, parse_case_number
from domain.disclosure import Replay, VisibilityChange, disclosures_at
from domain.erasure import ErasedEvent
from domain.facts import Fact
from domain.judge import Disclosure
from domain.visibility import LogFold
from domain.errors import InvalidInput
from services.errors import CaseNotFound, DamagedDataKey
from services.ports import CaseEventsReader

if TYPE_CHECKING:
    from services.application import CaseApplication

# What a case reference (the command line's --case) is when it is neither form: both named, in the words of the
# number's own refusal ("a case number looks like …") and the API's for an id.
EITHER_FORM = ("a case number looks like 0180-2026-0042, a case id like 3fa85f64-5717-4562-b3fc-2c963f66afa6"
               " (either names the case)")
HISTORIES_CHUNK = 250   # cases a read of ``histories``: a few megabytes of events at a time


def _as_uuid(value: UUID | str) -> UUID:
    return value if isinstance(value, UUID) else UUID(str(value))


class CaseQueries:
    """Sigill's history queries."""

    def get_case(self: CaseApplication, case_id: UUID) -> Case:
        """The case as it stands; CaseNotFound, or CaseErased once its key is destroyed."""
        try:
            case = self.repository.get(case_id)
        except AggregateNotFoundError:
            raise CaseNotFound("no such case", field="case_id") from None
        if not isinstance(case, Case):
            raise CaseNotFound("no such case", field="case_id")
        return case

    def history(self: CaseApplication, case_id: UUID) -> Sequence[Any]:
        """The case's events in order (tombstones for an erased case)."""
        events = list(self.events.get(case_id))
        if not events:
            raise CaseNotFound("no such case", field="case_id")
        return events

    def histories(self: CaseApplication, case_ids: Sequence[UUID], chunk: int = HISTORIES_CHUNK
                  ) -> Iterator[tuple[UUID, list[Any] | DamagedDataKey]]:
        """Each case's events as ``history`` reads them (tombstones for an erased case; an empty list for a case
        without events, where ``history`` says CaseNotFound; the DamagedDataKey it would raise for a case whose key
        is damaged), in the order of ``case_ids`` — read ``chunk`` cases at a time, their keys and their events
        one round trip each, not one per case (the statistics read a whole municipality)."""
        recorder = cast(CaseEventsReader, self.recorder)
        for start in range(0, len(case_ids), chunk):
            some = case_ids[start:start + chunk]
            self.keystore.warm(some)   # a chunk's at a time: the key cache holds fewer than a big municipality's
            stored: dict[UUID, list[Any]] = {}
            for event in recorder.select_events_of_cases(some):
                stored.setdefault(_as_uuid(event.originator_id), []).append(event)
            for case_id in some:
                yield case_id, self._decoded(stored.get(case_id, []))

    def case_versions(self: CaseApplication, case_ids: Sequence[UUID]) -> dict[UUID, int]:
        """Each case's latest stored version, in one round trip, nothing decoded (a case without events: left out):
        whether what was folded of a case is still all of it."""
        return cast(CaseEventsReader, self.recorder).select_versions_of_cases(case_ids)

    def _decoded(self: CaseApplication, stored: list[Any]) -> list[Any] | DamagedDataKey:
        """Stored events decoded by the application's mapper, as the event store decodes them for ``history``."""
        try:
            return [self.mapper.to_domain_event(event) for event in stored]
        except DamagedDataKey as damaged:
            return damaged

    def find_case(self: CaseApplication, case_number: str) -> UUID:
        """The id of the case with this human-readable number."""
        municipality, year = parse_case_number(case_number)
        if municipality not in self.catalogue.municipalities:
            raise CaseNotFound("no case has that number", field="case_number")
        series = self.case_number_series(municipality, year)
        self._series.keep(series)
        try:
            return series.case_ids[case_number.strip()]
        except KeyError:
            raise CaseNotFound("no case has that number", field="case_number") from None

    def view(self: CaseApplication, case_id: UUID, agency: str, at: datetime | None = None) -> tuple[Disclosure, ...]:
        """What ``agency`` may see of the case at ``at`` (default now), each fact with its basis."""
        self.catalogue.agency(agency)
        history = self._readable_history(case_id)
        return disclosures_at(history, agency, at or self.clock.now(), self.catalogue)

    def disclosures(self: CaseApplication, case_id: UUID, agencies: Iterable[str] | None = None,
                    until: datetime | None = None, *, as_recorded: bool = False,
                    history: Sequence[Any] | None = None) -> tuple[VisibilityChange, ...]:
        """Every moment a fact became, or stopped being, visible to an agency, with its basis — up to ``until``
        (default now), or ``as_recorded``: up to the case's latest event, what the stored log holds once the views
        have caught up (moments after that event are in neither until the calendar keeper records them).
        ``history``: the case's events already read (``readable_history``), not read again."""
        chosen = self._chosen(agencies)   # an unknown agency refused before the case is read
        if history is None:
            history = self._readable_history(case_id)
        return self.disclosures_of(self.disclosure_fold(history, chosen), until, as_recorded=as_recorded)

    def disclosure_fold(self: CaseApplication, history: Sequence[Any], agencies: Iterable[str] | None = None
                        ) -> LogFold:
        """The case's events already read (``readable_history``), to be folded once for its disclosure log
        (``disclosures_of``) and the case and every fact beside it (``LogFold.folded``)."""
        return LogFold(history, self._chosen(agencies), self.catalogue)

    def disclosures_of(self: CaseApplication, fold: LogFold, until: datetime | None = None, *,
                       as_recorded: bool = False) -> tuple[VisibilityChange, ...]:
        """``disclosures`` of a fold of the case's history (``disclosure_fold``): up to ``until`` (default now),
        or ``as_recorded``, up to its latest event."""
        return fold.log(fold.history[-1].timestamp if as_recorded else until or self.clock.now())

    def _chosen(self: CaseApplication, agencies: Iterable[str] | None) -> tuple[str, ...]:
        """The agencies a disclosure log is of (None: every one), each one known to the catalogue."""
        chosen = tuple(agencies) if agencies is not None else tuple(self.catalogue.agencies)
        for agency in chosen:
            self.catalogue.agency(agency)
        return chosen

    def replay(self: CaseApplication, case_id: UUID, at: datetime | None = None) -> Replay:
        """The case folded up to ``at`` (default: all of it, even an event stamped by a clock ahead of ours)."""
        replay = Replay(self._readable_history(case_id), self.catalogue)
        replay.advance_to(at or datetime.max.replace(tzinfo=timezone.utc))  # default: every stored event
        return replay

    def all_facts(self: CaseApplication, case_id: UUID, stored: Sequence[StoredEvent] | None = None
                  ) -> tuple[Fact, ...]:
        """Every fact of the case, whoever may see it: for auditors (JO, IVO), never for an agency view.  ``stored``:
        the case's rows already read (``readable_history``)."""
        replay = Replay(self.readable_history(case_id, stored), self.catalogue)
        replay.advance_to(datetime.max.replace(tzinfo=timezone.utc))
        return tuple(replay.facts)

    def resolve_case(self: CaseApplication, reference: str) -> UUID:
        """A case id, or a case number (0180-2026-0042), as a person would type it."""
        try:
            case_id = UUID(reference.strip())
        except ValueError:
            return self.case_id_of(reference)   # a number, from its series; or neither form, refused
        self.get_case(case_id)
        return case_id

    def case_id_of(self: CaseApplication, reference: str) -> UUID:
        """``resolve_case`` without reading the case: a case number's id from its series, an id as typed — for a
        caller whose own read of the case tells whether it is there, or erased (an auditor's, checked against the
        ledger: a read before it is one more read of the case, and unchecked)."""
        try:
            return UUID(reference.strip())
        except ValueError:
            pass
        if not is_case_number(reference):   # either form is taken: the number's alone told an id's holder nothing
            raise InvalidInput(EITHER_FORM, field="case")
        return self.find_case(reference)

    def readable_history(self: CaseApplication, case_id: UUID, stored: Sequence[StoredEvent] | None = None
                         ) -> Sequence[Any]:
        """The case's events as ``_readable_history`` gives them — or, given ``stored`` (its rows as the ledger's
        check read them: ``Ledger.checked_events``), those rows decoded by the application's mapper as the event
        store decodes them, with no read of its own: what an auditor is shown is made of the events checked."""
        if stored is None:
            return self._readable_history(case_id)
        if not stored:
            raise CaseNotFound("no such case", field="case_id")
        return self._readable([self.mapper.to_domain_event(event) for event in stored])

    def _readable_history(self: CaseApplication, case_id: UUID) -> Sequence[Any]:
        """The case's events, read once; CaseNotFound or CaseErased instead of tombstones or another aggregate."""
        return self._readable(self.history(case_id))

    def _readable(self: CaseApplication, events: list[Any]) -> Sequence[Any]:
        if isinstance(events[0], ErasedEvent):
            events[0].mutate(None)  # raises CaseErased, with its message
        if not isinstance(events[0], ReferralReceived):
            raise CaseNotFound("no such case", field="case_id")
        return events
