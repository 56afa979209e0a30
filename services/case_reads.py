"""The case service's reads of one case: what a user sees of it now (``Look``), judged on the case as it stood once
the read was logged — this worker's copy where it is current and lets the reader in, else the stored case.

A mixin of ``CaseService`` (``services.case_service``), which holds what the reads share with the commands.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import TYPE_CHECKING
from uuid import UUID

from domain.disclosure import Replay
from domain.judge import Disclosure
from domain.row_reach import UnseenRow
from domain.seen_version import SeenVersion
from services import plan_warnings
from services.authorisation import Forbidden, Place, check_reads_as_agency
from services.errors import CaseNotFound
from services.principals import Principal, Role

if TYPE_CHECKING:
    from services.case_service import CaseService


@dataclass(frozen=True)
class Look:
    """What a user sees of a case now."""

    case_id: UUID
    place: Place
    version: int
    disclosures: tuple[Disclosure, ...]
    # Asked for (the API's plan read) and the reader is the lead: each responsible agency of the current plan that
    # cannot see its row now.  Never a member's: it speaks of other agencies' consents (``services.plan_warnings``).
    unseen_rows: tuple[UnseenRow, ...] = ()
    digest: str | None = None   # of the facts seen (``domain.seen_version``); None where no public ids are made

    @property
    def seen(self) -> SeenVersion:
        """The version with the digest of which facts are seen: the ETag, and what the web's forms send back."""
        return SeenVersion(self.version, self.digest)


class CaseReads:
    def look(self: CaseService, p: Principal, case_id: UUID, what: str, purpose: str = "",
             lead_only: bool = False) -> Look:
        """``lead_only``: a page of the case's administration (eligibility, guardians, consents, the group, the
        closure, the extract), refused to anyone but its lead *before* the read is logged — logged first, a school
        that opened such an address stood in the young person's extract as having read the guardians and the
        consents, though it was refused and shown nothing."""
        with self._outsiders_told_nothing(p):
            return self._look_now(p, case_id, what, purpose, lead_only)

    def check_in_case(self: CaseService, p: Principal, case_id: UUID) -> None:
        """CaseNotFound (Forbidden to a role that reads no case) unless ``p`` may read the case, as a read would
        answer — with nothing shown, so nothing logged: for what is said of a case before reading it (the web's
        purpose).  An auditor audits any stored case, an erased one too (its stored disclosure log) — a case's, not
        the case-number series' stored beside them (``check_stored_case``)."""
        with self._outsiders_told_nothing(p):
            if p.has(Role.AUDITOR):
                self.check_stored_case(case_id)
                return
            replay, fresh = self._admitted(p, case_id)
            if not fresh:   # this worker's copy may be stale (another worker's withdrawal): judged as stored
                latest = self.app.recorder.select_events(case_id, desc=True, limit=1)
                self._place(p, self._current(replay, fresh, latest[0].originator_version if latest else None))

    def _look_now(self: CaseService, p: Principal, case_id: UUID, what: str, purpose: str = "",
                  lead_only: bool = False) -> Look:
        """What the user's agency may see of the case now, each fact with its basis; the read is logged.

        The case's latest stored version comes back with the log's commit, so the answer is judged on the case
        as it stood once the read was logged — any write before it, by any process, included — with no query of
        its own while this worker's copy is current.  A user outside the case is refused before anything is
        logged, on the stored case; one who leaves the group in the instant between that check and the log's
        commit has the read logged and is refused after it."""
        replay, fresh = self._admitted(p, case_id)
        if lead_only and self._place(p, replay) is not Place.LEAD:
            raise Forbidden("only social services of the case's municipality administers the case")
        stored = self.access_log.record(self._entry(p, case_id, what, purpose))
        return self._look(p, self._current(replay, fresh, stored))

    async def look_async(self: CaseService, p: Principal, case_id: UUID, what: str, purpose: str = "",
                         unseen_rows: bool = False) -> Look:
        """``unseen_rows``: for the lead, the current plan's responsible agencies that cannot see their rows now
        (``Look.unseen_rows``); a member is told none."""
        with self._outsiders_told_nothing(p):
            return await self._look_async(p, case_id, what, purpose, unseen_rows)

    async def _look_async(self: CaseService, p: Principal, case_id: UUID, what: str, purpose: str = "",
                          unseen_rows: bool = False) -> Look:
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
        return self._look(p, replay, unseen_rows)

    def _admitted(self: CaseService, p: Principal, case_id: UUID) -> tuple[Replay, bool]:
        """The case for ``p`` to read and whether it was read anew: this worker's copy, or the stored case when the
        copy would refuse them or is missing (CaseNotFound or Forbidden when that refuses them too)."""
        kept = self._kept_for(p, case_id)
        return (kept, False) if kept is not None else (self._stored_for(p, case_id), True)

    def _kept_for(self: CaseService, p: Principal, case_id: UUID) -> Replay | None:
        """This worker's copy of the case, if it lets ``p`` read (a copy may be stale: it may refuse wrongly)."""
        kept = self.judged.cached(case_id)
        if kept is None:
            return None
        try:
            check_reads_as_agency(self._place(p, kept))
        except (CaseNotFound, Forbidden):
            return None
        return kept

    def _stored_for(self: CaseService, p: Principal, case_id: UUID) -> Replay:
        replay = self.judged.replay(case_id)
        check_reads_as_agency(self._place(p, replay))
        return replay

    def _current(self: CaseService, replay: Replay, fresh: bool, stored: int | None) -> Replay:
        """``replay`` brought up to the version the access log's transaction saw (unless it was read anew and
        already is)."""
        return replay if fresh and stored == replay.case.version else self.judged.brought_to(replay, stored)

    def _look(self: CaseService, p: Principal, replay: Replay, unseen_rows: bool = False) -> Look:
        place = self._place(p, replay)
        check_reads_as_agency(place)
        now = self.app.clock.now()
        disclosures = replay.visible_to(p.agency, now)
        # Judged on the case itself at the instant the disclosures were, as the plan command's warnings are.
        unseen = plan_warnings.of_current_plan(replay, now, self.catalogue) if unseen_rows and place is Place.LEAD \
            else ()
        seen = self._seen_version(replay, p.agency, disclosures)
        return Look(replay.case.id, place, seen.count, disclosures, unseen, seen.digest)
