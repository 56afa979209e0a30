"""The case application: one method per command (load, decide, save); its queries are ``case_queries``'s.

Persistence, encryption and the clock are injected: ``services.bootstrap``
wires the concrete ones; unit tests use in-memory persistence with the same
encrypting mapper.
"""

from __future__ import annotations

import asyncio
import threading
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, AsyncIterator, Callable, Iterable
from uuid import UUID, uuid4

from eventsourcing.application import Application, ProcessingEvent
from eventsourcing.persistence import Mapper, Notification, RecordConflictError, Recording

from domain.calendar import local_date
from domain.case import Case
from domain.case_numbers import CaseNumberSeries
from domain.catalogue import Catalogue
from domain.errors import DomainError
from domain.values import Actor, PlannedMeeting
from services import idempotency
from services.case_numbering import KeptSeries
from services.case_queries import CaseQueries
from services.clock import command_time
from services.errors import ConcurrentChange
from services.idempotency import AnswerRow
from services.ports import AsyncEvents, Clock, KeyStore
from services.working_set import WorkingSet

NUMBERING_RETRIES = 5


@dataclass(frozen=True)
class CommandResult:
    case_id: UUID
    version: int                  # the case's version after the command: send it back as expected_version
    notification_id: int | None   # position in the global log, for read-your-writes on projections
    value: Any = None             # what the command created: a consent id, a plan revision number…
    events: tuple[Any, ...] = ()  # the events it saved, in order (as they were stored)


class CaseApplication(CaseQueries, Application[UUID]):
    """Sigill's write side, and its history queries (``CaseQueries``)."""

    name = "Sigill"

    def __init__(self, *, env: dict[str, str], mapper: Mapper[UUID], keystore: KeyStore, catalogue: Catalogue,
                 clock: Clock) -> None:
        self._mapper, self.keystore, self.catalogue, self.clock = mapper, keystore, catalogue, clock
        self._writing = WorkingSet()
        self._starting = threading.local()   # the case this thread's next command starts from (start_from)
        self._loop_store: tuple[asyncio.AbstractEventLoop, AsyncEvents] | None = None   # serving_on_this_loop
        super().__init__(env=env)
        self._series = KeptSeries(self.events, self.repository)   # after the library made its store

    def construct_mapper(self) -> Mapper[UUID]:
        return self._mapper

    def close(self) -> None:
        super().close()
        close_mapper = getattr(self._mapper, "close", None)
        if close_mapper is not None:
            close_mapper()  # the key store's connections

    # -- opening ---------------------------------------------------------------

    def receive_referral(self, *, by: Actor, municipality: str, **referral: Any) -> CommandResult:
        """Open a case from a referral, giving it the municipality's next case number."""
        at, case_id = self.clock.now(), uuid4()
        for _ in range(NUMBERING_RETRIES):
            series = self.case_number_series(municipality, local_date(at).year)
            number = series.allocate(case_id)
            case = Case.receive_referral(case_id=case_id, case_number=number, municipality=municipality,
                                         by=by, at=at, catalogue=self.catalogue, **referral)
            try:  # with an Idempotency-Key's answer, when one is pending: committed with the events
                recordings = self.save(series, case, **idempotency.riders(case.id, case.pending_events, number))
            except RecordConflictError:
                continue  # another case took the number first: draw again (this copy of the series is dropped)
            self._series.keep(series)
            # The case's events (the series' were saved with them): the ones the service's answers fold.
            return CommandResult(case.id, case.version, recordings[-1].notification.id, number,
                                 tuple(r.domain_event for r in recordings if r.domain_event.originator_id == case.id))
        raise ConcurrentChange("could not allocate a case number: too many cases opened at once; try again",
                               field=None)   # a referral sends no version

    # -- commands on an open case ------------------------------------------------

    def decide_eligibility(self, case_id: UUID, *, by: Actor, expected_version: int | None = None,
                           **decision: Any) -> CommandResult:
        """Social services decides whether the young person is relevant for a group."""
        return self._change(case_id, expected_version, self._decision("decide_eligibility", by, decision))

    def record_guardians(self, case_id: UUID, *, by: Actor, expected_version: int | None = None,
                         **custody: Any) -> CommandResult:
        """Record who has custody of the young person from now on."""
        return self._change(case_id, expected_version, self._decision("record_guardians", by, custody))

    def grant_consent(self, case_id: UUID, *, by: Actor, expected_version: int | None = None,
                      **consent: Any) -> CommandResult:
        """Record a consent; the result's value is the new consent's id."""
        return self._change(case_id, expected_version, self._decision("grant_consent", by, consent))

    def narrow_consent(self, case_id: UUID, *, by: Actor, expected_version: int | None = None,
                       **narrowing: Any) -> CommandResult:
        """The consenter takes back part of a consent."""
        return self._change(case_id, expected_version, self._decision("narrow_consent", by, narrowing))

    def withdraw_consent(self, case_id: UUID, *, by: Actor, expected_version: int | None = None,
                         **withdrawal: Any) -> CommandResult:
        """The consenter withdraws a consent."""
        return self._change(case_id, expected_version, self._decision("withdraw_consent", by, withdrawal))

    def add_member(self, case_id: UUID, *, by: Actor, expected_version: int | None = None,
                   **member: Any) -> CommandResult:
        """Bring an agency into the group."""
        return self._change(case_id, expected_version, self._decision("add_member", by, member))

    def remove_member(self, case_id: UUID, *, by: Actor, expected_version: int | None = None,
                      **member: Any) -> CommandResult:
        """An agency leaves the group."""
        return self._change(case_id, expected_version, self._decision("remove_member", by, member))

    def revise_plan(self, case_id: UUID, *, by: Actor, expected_version: int | None = None,
                    **plan: Any) -> CommandResult:
        """Record a new, complete revision of the action plan; the value is its number."""
        return self._change(case_id, expected_version, self._decision("revise_plan", by, plan))

    def record_meeting(self, case_id: UUID, *, by: Actor, expected_version: int | None = None,
                       **meeting: Any) -> CommandResult:
        """Record a network meeting; the value is the meeting's id."""
        return self._change(case_id, expected_version, self._decision("record_meeting", by, meeting))

    def record_contribution(self, case_id: UUID, *, by: Actor, expected_version: int | None = None,
                            **contribution: Any) -> CommandResult:
        """A member agency records what it knows; the value is the contribution's id."""
        return self._change(case_id, expected_version, self._decision("record_contribution", by, contribution))

    def record_follow_up(self, case_id: UUID, *, by: Actor, expected_version: int | None = None,
                         **follow_up: Any) -> CommandResult:
        """Follow up a row of the current action plan."""
        return self._change(case_id, expected_version, self._decision("record_follow_up", by, follow_up))

    def close_case(self, case_id: UUID, *, by: Actor, expected_version: int | None = None,
                   **closure: Any) -> CommandResult:
        """Close the case with a reason and an outcome."""
        return self._change(case_id, expected_version, self._decision("close_case", by, closure))

    def record_protection(self, case_id: UUID, *, by: Actor, expected_version: int | None = None,
                          **protection: Any) -> CommandResult:
        """Record that the young person has protected personal data, or no longer has."""
        return self._change(case_id, expected_version, self._decision("record_protection", by, protection))

    def plan_next_meeting(self, case_id: UUID, *, by: Actor, shown: PlannedMeeting | None,
                          expected_version: int | None = None, **plan: Any) -> CommandResult:
        """Plan the group's next meeting on its own, move it, or call it off (``next_meeting`` None), judged against
        ``shown``: the next meeting social services sees now (``case_commands.shown_next_meeting`` of its view)."""
        return self._change(case_id, expected_version,
                            self._decision("plan_next_meeting", by, {**plan, "shown": shown}))

    def note_calendar(self, case_id: UUID) -> CommandResult:
        """Record the calendar moments that passed since the case's latest event (the value: how many)."""
        return self._change(case_id, None, lambda c, at: c.note_calendar(at=at, catalogue=self.catalogue))

    def save(self, *aggregates: Any, **kwargs: Any) -> list[Recording[UUID]]:
        """As the library's ``save``, for aggregates (all Sigill saves): its ``collect_events`` asks, of each object,
        ``isinstance`` against two runtime-checkable Protocols, which Python 3.11 answers by listing each
        Protocol's members anew — about a twentieth of a command's CPU, for an answer known here."""
        processing = _processing(aggregates, kwargs)
        recordings = self._record(processing)
        self._recorded(processing, recordings)
        return recordings

    async def save_async(self, store: AsyncEvents, case: Case, *, answer: AnswerRow | None = None
                         ) -> list[Recording[UUID]]:
        """As ``save``, for one case, through the event loop's store: the same rows in the same transaction."""
        processing = _processing((case,), {})
        stored = [self.mapper.to_stored_event(event) for event in processing.events]
        ids = await store.insert(stored, () if answer is None else (answer,))
        recordings = [Recording(event, Notification(originator_id=s.originator_id, topic=s.topic, state=s.state,
                                                    originator_version=s.originator_version, id=n))
                      for event, s, n in zip(processing.events, stored, ids, strict=True)]
        if self.repository.cache and not self.repository.fastforward:   # as the library's _record
            self.repository.cache.put(case.id, case)
        self._recorded(processing, recordings)
        return recordings

    def _recorded(self, processing: ProcessingEvent[UUID], recordings: list[Recording[UUID]]) -> None:
        self._take_snapshots(processing)
        self._notify(recordings)
        self.notify(processing.events)  # the library's deprecated hook, called as its own save does

    # -- on a server's event loop ---------------------------------------------------------

    @asynccontextmanager
    async def serving_on_this_loop(self, store: AsyncEvents | None) -> AsyncIterator[None]:
        """While the block runs, commands on this event loop go through ``store`` (opened here, closed after)."""
        if store is None:
            yield
            return
        await store.open()
        self._loop_store = (asyncio.get_running_loop(), store)
        try:
            yield
        finally:
            self._loop_store = None
            await store.close()

    def loop_store(self) -> AsyncEvents | None:
        """The running event loop's store, or None when the application does not serve on this loop (a test
        client without its lifespan, the in-memory application): then commands go to a thread as before."""
        serving = self._loop_store
        if serving is None:
            return None
        try:
            return serving[1] if serving[0] is asyncio.get_running_loop() else None
        except RuntimeError:
            return None

    async def change_async(self, store: AsyncEvents, name: str, case: Case, *, by: Actor, expected_version: int,
                           **fields: Any) -> CommandResult:
        """Command ``name`` decided on ``case`` — the stored case, as the caller read it just now — and saved
        through the loop's store.  A conflict (another write came first) is ConcurrentChange, for the caller
        to decide again on the newer case."""
        value = self._decided(case, expected_version, self._decision(name, by, fields))
        try:
            recordings = await self.save_async(store, case, **idempotency.riders(case.id, case.pending_events, value))
        except RecordConflictError:
            raise _conflict(expected_version) from None
        return self._result(case, recordings, value)

    def start_from(self, case: Case) -> None:
        """The case as stored now (a copy nobody else holds), for the next command on it instead of loading it.

        If it turns out stale, the save conflicts and the command is decided again on the loaded case.  It is
        kept for this thread's next command only: another thread's command on the same case (two requests at
        once) would otherwise take it, and this one would load the case whole."""
        self._starting.case = case

    # -- internals -------------------------------------------------------------------

    def case_number_series(self, municipality: str, year: int) -> CaseNumberSeries:
        """The municipality's series of the year as stored now (``services.case_numbering``)."""
        self.catalogue.municipality(municipality)
        return self._series.take(municipality, year)

    def _change(self, case_id: UUID, expected_version: int | None,
                command: Callable[[Case, datetime], Any]) -> CommandResult:
        """Load, decide, save.

        A case this process saved last is taken from memory instead of re-read.  It may be stale if
        another process wrote since: then the save conflicts (or the stale state refuses), and the
        command is decided once more on the stored state, whose answer is the one that counts.

        A case given by ``start_from`` whose save conflicts is the caller's to decide again (it has a
        fresher copy at hand than loading the case whole): the conflict goes back to it.
        """
        starting = self._starting_case(case_id)
        cached = starting or self._writing.take(case_id)
        if cached is not None:
            try:
                return self._decide_and_save(cached, expected_version, command)
            except ConcurrentChange:
                if starting is not None:
                    raise
            except DomainError:
                pass
        return self._decide_and_save(self.get_case(case_id), expected_version, command)

    def _starting_case(self, case_id: UUID) -> Case | None:
        case, self._starting.case = getattr(self._starting, "case", None), None
        return case if case is not None and case.id == case_id else None

    def _decide_and_save(self, case: Case, expected_version: int | None,
                         command: Callable[[Case, datetime], Any]) -> CommandResult:
        value = self._decided(case, expected_version, command)
        try:
            recordings = self.save(case, **idempotency.riders(case.id, case.pending_events, value))
        except RecordConflictError:
            raise _conflict(expected_version) from None
        return self._result(case, recordings, value)

    def _decision(self, name: str, by: Actor, fields: dict[str, Any]) -> Callable[[Case, datetime], Any]:
        """The case's method for the command ``name`` (``close_case`` is the case's ``close``), with its fields."""
        decide = getattr(Case, DOMAIN_METHODS.get(name, name))
        return lambda case, at: decide(case, by=by, at=at, catalogue=self.catalogue, **fields)

    def _decided(self, case: Case, expected_version: int | None, command: Callable[[Case, datetime], Any]) -> Any:
        """The command's value, its events pending on ``case``; ConcurrentChange if the version is not expected."""
        if expected_version is not None and expected_version != case.version:
            raise ConcurrentChange(
                f"the case has changed: you expected version {expected_version}, it is at {case.version}",
                expected=expected_version, actual=case.version)
        return command(case, command_time(self.clock, case))  # never before the case's latest event

    def _result(self, case: Case, recordings: list[Recording[UUID]], value: Any) -> CommandResult:
        self._writing.keep(case)
        return CommandResult(case.id, case.version, recordings[-1].notification.id, value,
                             tuple(r.domain_event for r in recordings))


DOMAIN_METHODS = {"close_case": "close"}   # the application's command name -> the case's method, where they differ


def _processing(aggregates: Iterable[Any], kwargs: dict[str, Any]) -> ProcessingEvent[UUID]:
    processing: ProcessingEvent[UUID] = ProcessingEvent()
    for aggregate in aggregates:
        processing.events.extend(aggregate.collect_events())
        processing.aggregates[aggregate.id] = aggregate
    processing.saved_kwargs.update(kwargs)
    return processing


def _conflict(expected_version: int | None) -> ConcurrentChange:
    return ConcurrentChange("the case was changed by someone else at the same time; reload and retry",
                            expected=expected_version)
