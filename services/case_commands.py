"""The case service's commands: each authorised on the case as stored, run, answered with the writer's version.

A mixin of ``CaseService`` (``services.case_service``), which holds what the commands share with the reads.
"""

from __future__ import annotations

import asyncio
from contextlib import nullcontext
from copy import deepcopy
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, ContextManager, Sequence
from uuid import UUID

from domain.calendar import local_date
from domain.case_events import MeetingHeld, PlanRevised
from domain.disclosure import Replay
from domain.judge import Disclosure
from domain.seen_version import SeenVersion
from domain.values import OpenCase, PlannedMeeting
from projections import agency_queries
from services import idempotency, plan_warnings
from services.application import CommandResult
from services.authorisation import Kind, check_may_command, check_may_open_case, check_row_seen
from services.duplicate_check import DUPLICATE_CHECK, open_cases_of
from services.errors import ConcurrentChange, PossibleDuplicate
from services.judged_cases import JudgedCases
from services.principals import Principal

if TYPE_CHECKING:
    from services.case_service import CaseService

COMMANDS: dict[str, Kind] = {
    "decide_eligibility": Kind.ADMINISTRATION, "record_guardians": Kind.ADMINISTRATION,
    "grant_consent": Kind.ADMINISTRATION, "narrow_consent": Kind.ADMINISTRATION,
    "withdraw_consent": Kind.ADMINISTRATION, "add_member": Kind.ADMINISTRATION,
    "remove_member": Kind.ADMINISTRATION, "revise_plan": Kind.ADMINISTRATION, "close_case": Kind.ADMINISTRATION,
    "record_protection": Kind.ADMINISTRATION, "plan_next_meeting": Kind.ADMINISTRATION,
    "record_meeting": Kind.GROUP_WORK, "record_contribution": Kind.GROUP_WORK, "record_follow_up": Kind.GROUP_WORK,
}

# A command sent without an expected version, decided again after another process wrote (README: up to eight times).
UNCONDITIONAL_RETRIES = 8


# What a caller may send back: its SeenVersion (an ETag, the web's form) or the count alone (`expected_version`).
Expected = SeenVersion | int | None


def _attempts(expected_version: Expected) -> int:
    return 1 if expected_version is not None else 1 + UNCONDITIONAL_RETRIES


def _as_sent(conflict: ConcurrentChange, expected_version: Expected) -> ConcurrentChange:
    """The save's conflict as the caller is told it: a command sent without a version names no field (the save's
    own expected version is the stored one it read, which the caller never sent: it was named
    ``body.expected_version``)."""
    if expected_version is not None:
        return conflict
    return ConcurrentChange(conflict.message, expected=None, actual=conflict.actual, field=None)


@dataclass(frozen=True)
class Written:
    case_id: UUID
    version: int        # the writer's version after the write (see ``services.case_service``)
    value: Any
    position: int | None
    # A plan revision's: the responsible agencies that cannot see their rows as it was recorded (None: no plan
    # revised).  Told to social services, the only one that revises the plan (``services.plan_warnings``).
    warnings: list[dict[str, Any]] | None = None
    digest: str | None = None   # of the facts the writer sees after the write (``domain.seen_version``)
    # How many facts the write recorded in another agency's name (a meeting's outcome minuted for the police) that
    # the writer's own agency cannot see after it: what the writer typed, gone from its view as consent requires.
    attributed_unseen: int = 0

    @property
    def seen(self) -> SeenVersion:
        return SeenVersion(self.version, self.digest)


class WriteFold:
    """A write's events folded into a copy of the case as read, once for every answer made of it: an
    Idempotency-Key's (the writer's version and a plan revision's warnings), built before the events are committed,
    and the command's own, after: each fold copies the case and applies the events."""

    def __init__(self, judged: JudgedCases, replay: Replay | None,
                 seen_by: Callable[[Replay], tuple[Disclosure, ...]]) -> None:
        self._judged, self._replay, self._seen_by = judged, replay, seen_by
        self._events: tuple[Any, ...] = ()
        self._folded: Replay | None = None
        self._seen: tuple[Replay, tuple[Disclosure, ...]] | None = None

    def uncommitted(self, events: Sequence[Any]) -> Replay:
        """The events, not yet committed, folded; not kept for other reads (they may never be committed)."""
        if not self._holds(events):
            self._events, self._folded = tuple(events), self._judged.extended(self._replay, events, keep=False)
        return self._folded   # type: ignore[return-value]  (set just above, when it was not)

    def committed(self, events: Sequence[Any]) -> Replay:
        """The committed events folded, and kept for the next reads: the fold made of these very events before
        the commit, if one was."""
        if not self._holds(events):
            return self._judged.extended(self._replay, events)
        return self._judged.kept(self._folded)   # type: ignore[arg-type]

    def seen(self, folded: Replay) -> tuple[Disclosure, ...]:
        """What the writer's agency sees of ``folded`` (a fold made here), judged once for every answer made of it:
        a keyed meeting's writer's version and unseen count, stored with the key, and the command's own answer."""
        if self._seen is None or self._seen[0] is not folded:
            self._seen = (folded, self._seen_by(folded))
        return self._seen[1]

    def _holds(self, events: Sequence[Any]) -> bool:
        # The same event objects (the save hands back those it was given), not merely equal ones.
        return self._folded is not None and len(events) == len(self._events) \
            and all(a is b for a, b in zip(events, self._events))


class CaseCommands:
    def open_case(self: CaseService, p: Principal, *, municipality: str, duplicate_confirmed: bool = False,
                  **referral: Any) -> Written:
        """Receive a referral: social services of the municipality only.  PossibleDuplicate, and nothing saved (no
        case number drawn), when the municipality has an open case for the same young person and the caller has
        not confirmed that another is to be opened; confirmed, the case records the open cases it was opened beside
        (``ReferralReceived.despite_open_cases``), for the lead and auditors."""
        check_may_open_case(p, municipality, self.catalogue)   # before the check: no one else may learn of a case
        # The check and the append in the municipality's turn: two referrals of one young person at once each
        # checked before the other was stored, and both opened a case.
        with self._referral_turn(municipality):
            found = self._open_cases(p, municipality, referral.get("personnummer"))
            if found and not duplicate_confirmed:
                raise PossibleDuplicate(found)
            fold = self._count_writer_version(p, None)
            result = self.app.receive_referral(by=p.actor, municipality=municipality, despite_open_cases=tuple(
                OpenCase(str(case_id), number) for case_id, number in found), **referral)
        return self._written_by(result, p, fold)

    def _referral_turn(self: CaseService, municipality: str) -> ContextManager[None]:
        return nullcontext() if self.referral_turns is None else self.referral_turns.turn(municipality)

    def _open_cases(self: CaseService, p: Principal, municipality: str, personnummer: Any
                    ) -> tuple[tuple[UUID, str], ...]:
        """The municipality's open cases for the referral's young person.  Each one found is read by the caseworker
        (told of it by a 409, or shown it on the case it confirmed opening beside it), so the read is logged first,
        in that case's access log."""
        if self.lists is None:
            return ()   # no views (the command line's own application): nothing to check against
        found = open_cases_of(self.lists, self.catalogue.lead_agency, municipality, personnummer,
                              local_date(self.app.clock.now()))
        if found:
            self.access_log.record_all([self._entry(p, case_id, DUPLICATE_CHECK, "") for case_id, _ in found])
        return found

    def command(self: CaseService, p: Principal, name: str, case_id: UUID, expected_version: Expected,
                **fields: Any) -> Written:
        with self._outsiders_told_nothing(p):
            return self._command(p, name, case_id, expected_version, **fields)

    def _command(self: CaseService, p: Principal, name: str, case_id: UUID, expected_version: Expected,
                 **fields: Any) -> Written:
        """Run one case command as ``p``; ``expected_version`` is the user's version (409 when stale).

        Without an expected version the command applies to the case as it stands: when another write lands
        between reading the case and saving, it is authorised and decided again on the newer case (a few
        times) rather than refused.  With one, any change in between is a 409, as the user asked.  The commands
        on a case take turns in this process (``services.case_turns``): only another process's write comes
        between.  The caller is admitted before it waits for its turn: an outsider's wait would tell it that the
        case is being written."""
        with self.command_turns.queued(case_id) as turn:
            ended = turn.ended
            replay = self.judged.replay(case_id)  # shared between requests: read, never folded further here
            admitted = self._admit_command(p, name, replay, expected_version, fields)
            with turn.lock:
                try:
                    for attempt in range(_attempts(expected_version)):
                        if attempt or turn.ended != ended:   # another write came between: the case as it is now
                            replay = self.judged.replay(case_id)
                            admitted = self._admit_command(p, name, replay, expected_version, fields)
                        before, fold, judged_on = admitted
                        # The stored case, so the command need not load it again.
                        self.app.start_from(deepcopy(replay.case))
                        try:
                            result = getattr(self.app, name)(case_id, by=p.actor, expected_version=before,
                                                             **judged_on)
                        except ConcurrentChange as conflict:
                            if attempt + 1 == _attempts(expected_version):
                                raise _as_sent(conflict, expected_version) from None
                            continue
                        return self._written_by(result, p, fold)
                finally:
                    turn.ended += 1
        raise AssertionError("unreachable")

    async def command_async(self: CaseService, p: Principal, name: str, case_id: UUID, expected_version: Expected,
                            **fields: Any) -> Written:
        with self._outsiders_told_nothing(p):
            return await self._command_async(p, name, case_id, expected_version, **fields)

    async def _command_async(self: CaseService, p: Principal, name: str, case_id: UUID, expected_version: Expected,
                            **fields: Any) -> Written:
        """As ``command``, on a server's event loop: the case's newer events are read and the save committed
        over the loop's own connections, so the command never waits for a thread.  Where the application does
        not serve on this loop, ``command`` runs in a thread instead."""
        store = self.app.loop_store()
        if store is None:
            return await asyncio.to_thread(self.command, p, name, case_id, expected_version, **fields)
        with self.command_turns.queued(case_id) as turn:
            ended = turn.ended
            replay = await self._stored_now(store, case_id)
            admitted = self._admit_command(p, name, replay, expected_version, fields)   # before the wait, as above
            async with turn.lock:
                try:
                    for attempt in range(_attempts(expected_version)):
                        if attempt or turn.ended != ended:   # another write came between: the case as it is now
                            replay = await self._stored_now(store, case_id)
                            admitted = self._admit_command(p, name, replay, expected_version, fields)
                        before, fold, judged_on = admitted
                        try:
                            result = await self.app.change_async(store, name, deepcopy(replay.case), by=p.actor,
                                                                 expected_version=before, **judged_on)
                        except ConcurrentChange as conflict:
                            if attempt + 1 == _attempts(expected_version):
                                raise _as_sent(conflict, expected_version) from None
                            continue
                        return self._written_by(result, p, fold)
                finally:
                    turn.ended += 1
        raise AssertionError("unreachable")

    def _admit_command(self: CaseService, p: Principal, name: str, replay: Replay, expected_version: Expected,
                       fields: dict[str, Any]) -> tuple[int, WriteFold, dict[str, Any]]:
        """Check that ``p`` may run the command on the case as read, at the version they expect; the case's
        stored version, which the save must follow, the fold its events will be answered from, and the fields
        the command is decided on: the caller's, and what ``p`` sees where the domain judges by it."""
        seen = self._seen(p, replay)
        place = check_may_command(p, replay.case, COMMANDS[name], self.catalogue, seen=seen)
        if expected_version is not None:
            _check_still(expected_version, self._version(replay, p.agency))
        if name == "record_follow_up":   # after the version, as the domain checks the row after it
            check_row_seen(place, fields.get("row_id"), replay.case.plan_revision, seen)
        if name == "plan_next_meeting":
            fields = {**fields, "shown": shown_next_meeting(seen())}
        return replay.case.version, self._count_writer_version(p, replay), fields

    def _written_by(self: CaseService, result: CommandResult, p: Principal, fold: WriteFold) -> Written:
        # The write's own events, folded into a copy: the writer's new version.  They follow the case as read
        # directly (the save would have conflicted otherwise), or are the whole of a new case (a referral's), so
        # they need not be read back.
        replay = fold.committed(result.events)
        return self._written(result, p, replay, fold.seen(replay))

    def _written(self: CaseService, result: CommandResult, p: Principal, replay: Replay,
                 visible: tuple[Disclosure, ...]) -> Written:
        seen = self._seen_version(replay, p.agency, visible)
        return Written(result.case_id, seen.count, result.value, result.notification_id,
                       plan_warnings.of_revision(replay, result.events, self.catalogue), seen.digest,
                       attributed_unseen(replay, result.events, visible))

    def _count_writer_version(self: CaseService, p: Principal, replay: Replay | None) -> WriteFold:
        """Under an Idempotency-Key the answer is built before its events are committed: from these events (a retry
        is answered as the first request was, a plan revision's warnings too).  The fold that answer is built from,
        which the command's own answer reuses once they are committed."""
        fold = WriteFold(self.judged, replay, lambda folded: folded.visible_to(p.agency, self.app.clock.now()))

        def writer_version(events: Sequence[Any]) -> SeenVersion:
            folded = fold.uncommitted(events)
            return self._seen_version(folded, p.agency, fold.seen(folded))

        def unseen(events: Sequence[Any]) -> int:
            folded = fold.uncommitted(events)
            return attributed_unseen(folded, events, fold.seen(folded))

        idempotency.count_writer_version(
            writer_version,
            lambda events: plan_warnings.of_revision(fold.uncommitted(events), events, self.catalogue)
            if any(isinstance(e, PlanRevised) for e in events) else None,
            lambda events: unseen(events) if any(isinstance(e, MeetingHeld) for e in events) else 0)
        return fold

    def _version(self: CaseService, replay: Replay, agency: str) -> SeenVersion:
        return self._seen_version(replay, agency, replay.visible_to(agency, self.app.clock.now()))


def attributed_unseen(replay: Replay, events: Sequence[Any], visible: Sequence[Disclosure]) -> int:
    """How many facts of the write's ``events`` are recorded in another agency's name and not among ``visible``
    (what the writer's agency sees after the write)."""
    versions = {e.originator_version for e in events}
    seen = {d.fact.fact_id for d in visible}
    return sum(1 for f in replay.facts if f.version in versions and f.attributed and f.fact_id not in seen)


def shown_next_meeting(seen: Sequence[Disclosure]) -> PlannedMeeting | None:
    """The next meeting social services' page shows it, of what it sees now (``agency_queries.next_meeting``): what
    its planning is judged against.  Its own plans alone answered "already planned" and called off a day its page
    no longer showed, where a member's meeting it sees through consent planned later; the whole case would tell it,
    by a refusal, of a member's meeting it may not see."""
    planned = agency_queries.next_meeting(agency_queries.seen(seen))
    return None if planned is None else PlannedMeeting(planned.on, planned.kind)


def _check_still(expected: SeenVersion | int, now: SeenVersion) -> None:
    """ConcurrentChange unless the agency sees the case as it did at ``expected``: the same count of events and, when
    the caller sent one (an ETag), the same facts — a fact lost and another gained leaves the count as it was."""
    sent = expected if isinstance(expected, SeenVersion) else SeenVersion(expected)
    if not sent.still(now):
        said = now.tag if sent.digest is not None else str(now.count)   # a bare count is answered as one
        raise ConcurrentChange(f"the case has changed: you expected version {sent.tag}, it is at {said}",
                               expected=sent.count, actual=now.count)
