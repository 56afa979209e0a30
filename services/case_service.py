"""The service the API and the web client share: authorise, run one command or query, log the read.

Entry points translate input and call one method here, so a web page can
never show more than the API gives the same user.  Content always comes from
the disclosure rules, asked per request for the reader's agency and now, over
the case's events — folded once per stored version (``JudgedCases``), so a
writer's next read sees its write.

The version a user sees is *their* version: the number of the case's events
they can see.  The store's own version would count events hidden from them,
and so reveal that something they may not see happened.
"""

from __future__ import annotations

import asyncio
from contextlib import contextmanager
from copy import deepcopy
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable, Iterator, Protocol, TypeVar
from uuid import UUID

from domain.disclosure import Replay, VisibilityChange
from domain.judge import Disclosure
from domain.errors import CaseErased
from domain.facts import Fact
from services.access_entry import AccessEntry, AccessQuery, AccessRecord
from services.access_log import AccessLog
from services.application import CaseApplication, CommandResult
from services.authorisation import (
    Forbidden, Kind, Place, check_auditor, check_may_command, check_may_open_case, check_reads_as_agency,
    check_reads_cases, is_member_user, is_social_services, place_in,
)
from services import idempotency
from services.errors import CaseNotFound, ConcurrentChange
from services.judged_cases import JudgedCases
from services.ports import AsyncEvents
from services.principals import Principal, Role
from services.stored_log import Agreement, ReplacedLog, compare, replaced_logs

COMMANDS: dict[str, Kind] = {
    "decide_eligibility": Kind.ADMINISTRATION, "record_guardians": Kind.ADMINISTRATION,
    "grant_consent": Kind.ADMINISTRATION, "narrow_consent": Kind.ADMINISTRATION,
    "withdraw_consent": Kind.ADMINISTRATION, "add_member": Kind.ADMINISTRATION,
    "remove_member": Kind.ADMINISTRATION, "revise_plan": Kind.ADMINISTRATION, "close_case": Kind.ADMINISTRATION,
    "record_meeting": Kind.GROUP_WORK, "record_contribution": Kind.GROUP_WORK, "record_follow_up": Kind.GROUP_WORK,
}


T = TypeVar("T")
STORED_LOG_ATTEMPTS = 3   # a disagreement is asked again: an event may have been recorded mid-comparison
UNCONDITIONAL_RETRIES = 8  # a command sent without an expected version, decided again after a concurrent write


def _attempts(expected_version: int | None) -> int:
    return 1 if expected_version is not None else 1 + UNCONDITIONAL_RETRIES


class CaseLists(Protocol):
    def cases(self, agency: str, municipality: str | None = None) -> list[dict[str, Any]]:
        """The agency's case list from its view (of one municipality's cases, given one), current up to the
        latest stored event."""

    def stored_log(self, case_id: UUID, agency: str | None = None, *, caught_up: bool = True
                   ) -> tuple[list[dict[str, Any]], int | None]:
        """The case's stored disclosure log rows (of one agency, given one), current up to the latest event (as
        stored, with ``caught_up`` False), and the id of the first row of the whole log stored with a cause."""

    def erased_cases(self) -> list[dict[str, Any]]:
        """Erased cases the agencies were sent anything of: case id, municipality, when erased."""

    def replaced_log(self, case_id: UUID, agency: str | None = None) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """Every replacement of the disclosure log by a rebuild, oldest first, and the case's rows of them (of one
        agency, given one)."""


@dataclass(frozen=True)
class StoredLogRead:
    """A case's stored disclosure log as an auditor reads it (``CaseService.audit_stored_log``)."""

    rows: list[dict[str, Any]]
    agreement: Agreement | None          # None: the case is erased, its events no longer read
    replaced: tuple[ReplacedLog, ...]


@dataclass(frozen=True)
class Written:
    case_id: UUID
    version: int        # the writer's version after the write (see the module docstring)
    value: Any
    position: int | None


@dataclass(frozen=True)
class Look:
    """What a user sees of a case now."""

    case_id: UUID
    place: Place
    version: int
    disclosures: tuple[Disclosure, ...]


class CaseService:
    def __init__(self, app: CaseApplication, access_log: AccessLog, lists: CaseLists | None = None,
                 check_history: Callable[[UUID], None] = lambda case_id: None) -> None:
        """``check_history``: raises when a case's stored events are not those the audit ledger sealed (an
        auditor's replay must not present a history cut short as whole)."""
        self.app, self.access_log, self.lists = app, access_log, lists
        self.check_history = check_history
        self.catalogue = app.catalogue
        self.judged = JudgedCases(app)

    # -- commands ------------------------------------------------------------------

    def open_case(self, p: Principal, *, municipality: str, **referral: Any) -> Written:
        """Receive a referral: social services of the municipality only."""
        check_may_open_case(p, municipality, self.catalogue)
        self._count_writer_version(p, None)
        result = self.app.receive_referral(by=p.actor, municipality=municipality, **referral)
        return self._written(result, p, self.app.replay(result.case_id))

    def command(self, p: Principal, name: str, case_id: UUID, expected_version: int | None, **fields: Any) -> Written:
        with self._outsiders_told_nothing(p):
            return self._command(p, name, case_id, expected_version, **fields)

    def _command(self, p: Principal, name: str, case_id: UUID, expected_version: int | None, **fields: Any) -> Written:
        """Run one case command as ``p``; ``expected_version`` is the user's version (409 when stale).

        Without an expected version the command applies to the case as it stands: when another write lands
        between reading the case and saving, it is authorised and decided again on the newer case (a few
        times) rather than refused.  With one, any change in between is a 409, as the user asked."""
        for attempt in range(_attempts(expected_version)):
            replay = self.judged.replay(case_id)  # shared between requests: read, never folded further here
            before = self._admit_command(p, name, replay, expected_version)
            self.app.start_from(deepcopy(replay.case))  # the stored case, so the command need not load it again
            try:
                result = getattr(self.app, name)(case_id, by=p.actor, expected_version=before, **fields)
            except ConcurrentChange:
                if attempt + 1 == _attempts(expected_version):
                    raise
                continue
            return self._written_by(result, p, replay)
        raise AssertionError("unreachable")

    async def command_async(self, p: Principal, name: str, case_id: UUID, expected_version: int | None,
                            **fields: Any) -> Written:
        with self._outsiders_told_nothing(p):
            return await self._command_async(p, name, case_id, expected_version, **fields)

    async def _command_async(self, p: Principal, name: str, case_id: UUID, expected_version: int | None,
                            **fields: Any) -> Written:
        """As ``command``, on a server's event loop: the case's newer events are read and the save committed
        over the loop's own connections, so the command never waits for a thread.  Where the application does
        not serve on this loop, ``command`` runs in a thread instead."""
        store = self.app.loop_store()
        if store is None:
            return await asyncio.to_thread(self.command, p, name, case_id, expected_version, **fields)
        for attempt in range(_attempts(expected_version)):
            replay = await self._stored_now(store, case_id)
            before = self._admit_command(p, name, replay, expected_version)
            try:
                result = await self.app.change_async(store, name, deepcopy(replay.case), by=p.actor,
                                                     expected_version=before, **fields)
            except ConcurrentChange:
                if attempt + 1 == _attempts(expected_version):
                    raise
                continue
            return self._written_by(result, p, replay)
        raise AssertionError("unreachable")

    # -- reading as an agency ---------------------------------------------------------

    def cases(self, p: Principal) -> list[dict[str, Any]]:
        """The user's case list: their agency's view of their own municipality's cases (an auditor's: all)."""
        check_reads_cases(p, self.catalogue)
        if self.lists is None:
            return []
        if p.has(Role.AUDITOR):
            return self.lists.cases(self.catalogue.lead_agency)
        if is_social_services(p, self.catalogue) or is_member_user(p, self.catalogue):
            return self.lists.cases(p.agency, p.municipality)
        return []

    def look(self, p: Principal, case_id: UUID, what: str, purpose: str = "") -> Look:
        with self._outsiders_told_nothing(p):
            return self._look_now(p, case_id, what, purpose)

    def _look_now(self, p: Principal, case_id: UUID, what: str, purpose: str = "") -> Look:
        """What the user's agency may see of the case now, each fact with its basis; the read is logged.

        The case's latest stored version comes back with the log's commit, so the answer is judged on the case
        as it stood once the read was logged — any write before it, by any process, included — with no query of
        its own while this worker's copy is current.  A user outside the case is refused before anything is
        logged, on the stored case; one who leaves the group in the instant between that check and the log's
        commit has the read logged and is refused after it."""
        replay, fresh = self._admitted(p, case_id)
        stored = self.access_log.record(self._entry(p, case_id, what, purpose))
        return self._look(p, self._current(replay, fresh, stored))

    async def look_async(self, p: Principal, case_id: UUID, what: str, purpose: str = "") -> Look:
        with self._outsiders_told_nothing(p):
            return await self._look_async(p, case_id, what, purpose)

    async def _look_async(self, p: Principal, case_id: UUID, what: str, purpose: str = "") -> Look:
        """As ``look``, on an event loop: the log's commit is awaited; a kept case that is behind reads its newer
        events over the loop's own connection (where the application serves on this loop), and only loading a
        case this worker does not keep runs in a thread."""
        replay = self._kept_for(p, case_id)
        fresh = replay is None
        if fresh:
            replay = await asyncio.to_thread(self._stored_for, p, case_id)
        stored = await self.access_log.record_async(self._entry(p, case_id, what, purpose))
        store = self.app.loop_store()
        if stored == replay.case.version:
            replay = self._current(replay, fresh, stored)   # current already: nothing to read
        elif store is not None and not fresh and stored is not None and stored > replay.case.version:
            replay = await self._stored_now(store, case_id)  # behind: the newer events, over the loop's connection
        else:
            replay = await asyncio.to_thread(self._current, replay, fresh, stored)
        return self._look(p, replay)

    def find(self, p: Principal, case_number: str) -> UUID:
        """A case id from its number, for a user who is in the case (else: no such case — in the same words
        whether the number is taken or not, so numbers cannot be tried one by one)."""
        try:
            with self._outsiders_told_nothing(p):
                case_id = self.app.find_case(case_number)
                self._place(p, self.judged.replay(case_id))
        except CaseNotFound:
            raise CaseNotFound("no case has that number", field="case_number") from None
        return case_id

    def extract(self, p: Principal, case_id: UUID, purpose: str = "") -> list[AccessRecord]:
        with self._outsiders_told_nothing(p):
            return self._extract(p, case_id, purpose)

    def _extract(self, p: Principal, case_id: UUID, purpose: str = "") -> list[AccessRecord]:
        """The young person's extract (registerutdrag): who read what about them, and when."""
        place = self._place(p, self.judged.replay(case_id))
        if place is Place.MEMBER:
            raise Forbidden("social services produces the extract and hands it out")
        self._log(p, case_id, "extract", purpose)
        return self.access_log.extract(case_id)

    # -- auditing (JO, IVO) -----------------------------------------------------------

    def audit_facts(self, p: Principal, case_id: UUID, purpose: str = "") -> tuple[Fact, ...]:
        check_auditor(p)
        self.check_history(case_id)
        facts = self.app.all_facts(case_id)
        self._log(p, case_id, "audit.facts", purpose)
        return facts

    def audit_replay(self, p: Principal, case_id: UUID, agency: str, at: datetime,
                     purpose: str = "") -> tuple[Disclosure, ...]:
        check_auditor(p)
        self.check_history(case_id)
        disclosures = self.app.view(case_id, agency, at)
        self._log(p, case_id, f"audit.replay:{agency}@{at.isoformat()}", purpose)
        return disclosures

    def audit_disclosures(self, p: Principal, case_id: UUID, agency: str | None = None,
                          purpose: str = "") -> tuple[VisibilityChange, ...]:
        check_auditor(p)
        self.check_history(case_id)
        log = self.app.disclosures(case_id, [agency] if agency else None)
        self._log(p, case_id, "audit.disclosures" + (f":{agency}" if agency else ""), purpose)
        return log

    def audit_disclosures_and_stored_log(self, p: Principal, case_id: UUID, agency: str | None = None,
                                         purpose: str = "") -> tuple[tuple[VisibilityChange, ...], StoredLogRead]:
        """``audit_disclosures``, and the stored log held to it (the API's and the web's disclosures answer): the
        case's history checked against the ledger once, one read logged."""
        check_auditor(p)
        self.check_history(case_id)
        log = self.app.disclosures(case_id, [agency] if agency else None)
        read = self._stored_log_read(case_id, agency)
        self._log(p, case_id, "audit.disclosures" + (f":{agency}" if agency else ""), purpose)
        return log, read

    def audit_stored_log(self, p: Principal, case_id: UUID, agency: str | None = None, purpose: str = ""
                         ) -> StoredLogRead:
        """The case's stored disclosure log — what the agencies' feeds carried, no content: which agency got which
        kind of fact, on what basis — whether it says what the case's events say up to the latest one
        (``services.stored_log``), and the logs rebuilds replaced; a read, logged.  Also of an erased case, whose
        events no longer read: its rows stay, with nothing to hold them to (and nothing of the case read, so
        nothing logged)."""
        check_auditor(p)
        if agency is not None:
            self.catalogue.agency(agency)
        if not self.app.recorder.select_events(case_id, limit=1):
            raise CaseNotFound("no such case", field="case_id")
        # Asked of the key store itself, not of a judged copy of the case a worker may still hold in memory.
        if not self.app.keystore.is_destroyed(case_id):
            try:
                self.check_history(case_id)
                read = self._stored_log_read(case_id, agency)
                self._log(p, case_id, "views.log" + (f":{agency}" if agency else ""), purpose)
                return read
            except CaseErased:   # destroyed since
                pass
        return self._as_stored(case_id, agency)

    def _stored_log_read(self, case_id: UUID, agency: str | None) -> StoredLogRead:
        replacements, replaced = self.lists.replaced_log(case_id, agency)
        for _ in range(STORED_LOG_ATTEMPTS):
            # Caught up, then the history read: an event recorded in between is in the events' log and not yet
            # in the table.  A healthy log agrees at the next attempt; a changed one never does.
            rows, caused_from = self.lists.stored_log(case_id, agency)
            # What rebuilds replaced (what the feeds carried before), beside the current log over the same events.
            logs = tuple(replaced_logs(replacements, replaced, rows))
            agreement = compare(rows, self.app.disclosures(case_id, [agency] if agency else None, as_recorded=True),
                                caused_from, logs)
            if agreement.agrees:
                break
        return StoredLogRead(rows, agreement, logs)

    def erased_cases(self, p: Principal) -> list[dict[str, Any]]:
        """For auditors: the erased cases whose disclosure log rows remain (no content: ids, kinds, bases, times)."""
        check_auditor(p)
        return [] if self.lists is None else self.lists.erased_cases()

    def replaced_logs(self, case_id: UUID, agency: str | None = None) -> list[ReplacedLog]:
        """The logs rebuilds replaced, as far as the case goes, beside today's (``services.stored_log``): for answers
        already authorised and logged (the report, the command line's disclosures)."""
        return list(self._as_stored(case_id, agency).replaced)

    def _as_stored(self, case_id: UUID, agency: str | None) -> StoredLogRead:
        """The stored log as it is, not caught up (these readers write nothing; a replaced log is compared up to its
        own end, which the stored log is past) and not held to the events."""
        rows, _ = self.lists.stored_log(case_id, agency, caught_up=False)
        return StoredLogRead(rows, None, tuple(replaced_logs(*self.lists.replaced_log(case_id, agency), rows)))

    def audit_view(self, p: Principal, case_id: UUID, agency: str, read: Callable[[], T], purpose: str = "") -> T:
        """An agency's stored view of a case (``read``), as the command line shows it to whoever holds the master
        key: authorised and logged as a read like any other, so the young person's extract shows it."""
        check_auditor(p)
        self.catalogue.agency(agency)
        seen = read()
        self._log(p, case_id, f"views.show:{agency}", purpose)
        return seen

    def audit_report(self, p: Principal, case_id: UUID, make: Callable[[UUID], str], purpose: str = "") -> str:
        """The supervisor's report, made by ``make``: authorised and logged as a read, and made even when the
        case's history is not what the ledger sealed, or no longer reads — the report then says so."""
        check_auditor(p)
        if not self.app.recorder.select_events(case_id, limit=1):
            raise CaseNotFound("no such case", field="case_id")
        self._log(p, case_id, "audit.report", purpose)
        return make(case_id)

    def access_log_search(self, p: Principal, query: AccessQuery) -> list[AccessRecord]:
        check_auditor(p)
        return self.access_log.search(query)

    # -- internals ---------------------------------------------------------------

    @contextmanager
    def _outsiders_told_nothing(self, p: Principal) -> Iterator[None]:
        """Around everything a user does with one case: a role that reads no case is refused before the case is
        looked for (403 whether it exists or not), and an erased case is no such case to all but an auditor —
        its members cannot be told apart from anyone else once its key is gone."""
        check_reads_cases(p, self.catalogue)
        try:
            yield
        except CaseErased:
            if p.has(Role.AUDITOR):
                raise
            raise CaseNotFound("no such case", field="case_id") from None

    def _log(self, p: Principal, case_id: UUID, what: str, purpose: str) -> None:
        self.access_log.record(self._entry(p, case_id, what, purpose))

    def _entry(self, p: Principal, case_id: UUID, what: str, purpose: str) -> AccessEntry:
        return AccessEntry(self.app.clock.now(), case_id, p.subject, p.agency, p.role_names, what, p.name, purpose)

    def _admitted(self, p: Principal, case_id: UUID) -> tuple[Replay, bool]:
        """The case for ``p`` to read and whether it was read anew: this worker's copy, or the stored case when the
        copy would refuse them or is missing (CaseNotFound or Forbidden when that refuses them too)."""
        kept = self._kept_for(p, case_id)
        return (kept, False) if kept is not None else (self._stored_for(p, case_id), True)

    def _kept_for(self, p: Principal, case_id: UUID) -> Replay | None:
        """This worker's copy of the case, if it lets ``p`` read (a copy may be stale: it may refuse wrongly)."""
        kept = self.judged.cached(case_id)
        if kept is None:
            return None
        try:
            check_reads_as_agency(self._place(p, kept))
        except (CaseNotFound, Forbidden):
            return None
        return kept

    def _stored_for(self, p: Principal, case_id: UUID) -> Replay:
        replay = self.judged.replay(case_id)
        check_reads_as_agency(self._place(p, replay))
        return replay

    def _place(self, p: Principal, replay: Replay) -> Place:
        return place_in(p, replay.case, self.catalogue, seen=self._seen(p, replay))

    def _seen(self, p: Principal, replay: Replay) -> Callable[[], tuple[Disclosure, ...]]:
        """What ``p``'s agency sees of the case now, when authorisation asks (of a member's user only)."""
        return lambda: replay.visible_to(p.agency, self.app.clock.now())

    def _current(self, replay: Replay, fresh: bool, stored: int | None) -> Replay:
        """``replay`` brought up to the version the access log's transaction saw (unless it was read anew and
        already is)."""
        return replay if fresh and stored == replay.case.version else self.judged.brought_to(replay, stored)

    def _look(self, p: Principal, replay: Replay) -> Look:
        place = self._place(p, replay)
        check_reads_as_agency(place)
        disclosures = replay.visible_to(p.agency, self.app.clock.now())
        return Look(replay.case.id, place, replay.versions_in(p.agency, disclosures), disclosures)

    def _admit_command(self, p: Principal, name: str, replay: Replay, expected_version: int | None) -> int:
        """Check that ``p`` may run the command on the case as read, at the version they expect; the case's
        stored version, which the save must follow."""
        check_may_command(p, replay.case, COMMANDS[name], self.catalogue, seen=self._seen(p, replay))
        if expected_version is not None:
            seen = self._version(replay, p.agency)
            if seen != expected_version:
                raise ConcurrentChange(f"the case has changed: you expected version {expected_version},"
                                       f" it is at {seen}", expected=expected_version, actual=seen)
        self._count_writer_version(p, replay)
        return replay.case.version

    async def _stored_now(self, store: AsyncEvents, case_id: UUID) -> Replay:
        """The case as stored now: this worker's copy with any newer events (one query on the loop), or, when
        it has none, the case loaded whole in a thread."""
        kept = self.judged.cached(case_id)
        if kept is None:
            return await asyncio.to_thread(self.judged.replay, case_id)
        newer = await store.events_after(case_id, kept.case.version)
        return self.judged.refreshed(kept, [self.app.mapper.to_domain_event(event) for event in newer])

    def _written_by(self, result: CommandResult, p: Principal, replay: Replay) -> Written:
        # The write's own events, folded into a copy: the writer's new version.  They follow the case as read
        # directly (the save would have conflicted otherwise), so they need not be read back.
        return self._written(result, p, self.judged.extended(replay, result.events))

    def _written(self, result: CommandResult, p: Principal, replay: Replay) -> Written:
        return Written(result.case_id, self._version(replay, p.agency), result.value, result.notification_id)

    def _count_writer_version(self, p: Principal, replay: Replay | None) -> None:
        """Under an Idempotency-Key the answer is built before its events are committed: from these events."""
        idempotency.count_writer_version(
            lambda events: self._version(self.judged.extended(replay, events, keep=False), p.agency))

    def _version(self, replay: Replay, agency: str) -> int:
        return replay.versions_in(agency, replay.visible_to(agency, self.app.clock.now()))
