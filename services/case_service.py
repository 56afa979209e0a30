"""The service the API and the web client share: authorise, run one command or query, log the read.

Entry points translate input and call one method here, so a web page can
never show more than the API gives the same user.  Content always comes from
the disclosure rules, asked per request for the reader's agency and now, over
the case's events — folded once per stored version (``JudgedCases``), so a
writer's next read sees its write.

The version a user sees is *their* version: the number of the case's events
they can see.  The store's own version would count events hidden from them,
and so reveal that something they may not see happened.

Commands: ``services.case_commands``; auditing: ``services.case_audit`` (both mixed into ``CaseService``).
"""

from __future__ import annotations

import asyncio
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Iterator, Protocol
from uuid import UUID

from domain.case_numbers import parse_case_number
from domain.disclosure import Replay
from domain.errors import CaseErased
from domain.judge import Disclosure
from domain.retention import DEFAULT_RETENTION_YEARS
from domain.row_reach import UnseenRow
from domain.seen_version import SeenVersion, digest_of
from domain.values import YOUNG_PERSON
from services import plan_warnings
from services.access_chain import ShownVerdict
from services.access_entry import AccessEntry, AccessRecord
from services.access_log import AccessLog
from services.application import CaseApplication
from services.authorisation import (
    Forbidden, Place, check_auditor, check_reads_as_agency, check_reads_cases, is_member_user, is_social_services,
    place_in,
)
from services.case_audit import CaseAudit
from services.case_commands import CaseCommands
from services.case_turns import CaseTurns
from services.retention import CaseRetention
from services.statistics import CaseStatistics
from services.errors import CaseNotFound, DamagedDataKey
from services.judged_cases import JudgedCases
from services.ports import AsyncEvents, ReferralTurns
from services.principals import Principal, Role


CASE_LIST, AUDIT_CASE_LIST = "case_list", "audit.case_list"   # what the access log calls a case list's read
# The purpose of a list's reads: one for every case (the API's header), or each case's own (the web client's, stated
# for one case and never recorded on another's reads).
Purpose = str | Callable[[UUID], str]


class CaseLists(Protocol):
    def caught_up(self) -> int:
        """The views caught up as far as they go, and the position they are at now (another process may move them
        on after)."""

    def cases(self, agency: str, municipality: str | None = None, *, caught_up: bool = True
              ) -> list[dict[str, Any]]:
        """The agency's case list from its view (of one municipality's cases, given one), current up to the
        latest stored event (as the views stand, with ``caught_up`` False: the caller caught them up itself)."""

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
        stored, with ``caught_up`` False), and the id of the first row of the whole log stored with a cause."""

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


@dataclass(frozen=True)
class Listing:
    """The cases a list shows (a page of it), how many the whole list holds, and a read of each case shown, to be
    logged before it is shown (none for an empty page)."""

    shown: list[dict[str, Any]]
    total: int
    reads: list[AccessEntry]


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


class CaseService(CaseCommands, CaseAudit, CaseStatistics, CaseRetention):
    def __init__(self, app: CaseApplication, access_log: AccessLog, lists: CaseLists | None = None,
                 check_history: Callable[[UUID], None] = lambda case_id: None,
                 referral_turns: ReferralTurns | None = None,
                 retention_years: int = DEFAULT_RETENTION_YEARS,
                 fact_ids: Callable[[UUID, str], str] | None = None) -> None:
        """``check_history``: raises when a case's stored events are not those the audit ledger sealed (an
        auditor's replay must not present a history cut short as whole).  ``referral_turns``: referrals of a
        municipality checked and stored one at a time, across processes (None: no one else checks against the
        same cases — no views to check against).  ``retention_years``: the municipality's retention period
        (``SIGILL_RETENTION_YEARS``), after which a closed case is due for culling.  ``fact_ids``: the installation's
        public fact ids, which the digest of what an agency sees is made of (None: versions are counts alone)."""
        self.app, self.access_log, self.lists = app, access_log, lists
        self.retention_years = retention_years
        self.referral_turns = referral_turns
        self.check_history = check_history
        self.fact_ids = fact_ids
        self.catalogue = app.catalogue
        self.judged = JudgedCases(app)
        self.command_turns = CaseTurns()   # commands on one case, one at a time in this process

    # -- reading as an agency ---------------------------------------------------------

    def case_page(self, p: Principal, purpose: Purpose = "", phase: str = "", page: int = 1,
                  size: int = 50) -> tuple[list[dict[str, Any]], int]:
        """One page of the user's case list — their agency's view of their own municipality's cases (an auditor's:
        all), of one phase given one — the newest case number first, and how many cases the whole list holds.  It
        shows each case's number, phase, next meeting…: a read of each case on the page, logged together (one batch)
        before it is shown, with the purpose stated for it (``purpose``: one for all, or each case's own); an empty
        page logs nothing.  A page, not the whole list: an installation's auditor, or a large municipality's
        caseworker, read every case of it on each opening."""
        listing = self._listing(p, purpose, slice((page - 1) * size, page * size), phase, newest_first=True)
        self.access_log.record_all(listing.reads)
        return listing.shown, listing.total

    async def cases_async(self, p: Principal, purpose: Purpose = "", offset: int = 0,
                          limit: int | None = None) -> tuple[list[dict[str, Any]], int]:
        """As ``case_page``, on an event loop — the list is read in a thread, its reads logged from the loop — from
        ``offset``, at most ``limit`` of them (in the list's order: by case number), only those shown read; and how
        many the whole list holds."""
        window = slice(offset, None if limit is None else offset + limit)
        listing = await asyncio.to_thread(self._listing, p, purpose, window)
        await self.access_log.record_all_async(listing.reads)
        return listing.shown, listing.total

    def case_numbers(self, p: Principal, case_ids: Iterable[UUID]) -> dict[str, str | None]:
        """An auditor's label for cases already being read (the case an audit page is of, the cases whose reads an
        access-log page shows, each logged as that read): case id → its number, looked up by id in the views — not a
        read of the list, which would log every case of the installation on each such page (and read it whole).  A
        case not in the views (erased, or no such case) is left out."""
        check_auditor(p)
        if self.lists is None:
            return {}
        return {str(case_id): number for case_id, number in self.lists.case_numbers(list(set(case_ids))).items()}

    def _listing(self, p: Principal, purpose: Purpose, window: slice, phase: str = "",
                 newest_first: bool = False) -> Listing:
        """The ``window`` of the user's list (of one phase, given one; by case number, or the newest first) and a
        read of each case in it: all but the logging, which ``case_page`` does as it is and ``cases_async`` from
        the event loop."""
        rows = self._listed(p, phase)
        if newest_first:
            rows = sorted(rows, key=lambda r: r["case_number"] or "", reverse=True)
        return Listing(rows[window], len(rows), self._list_reads(p, rows[window], purpose))

    def _listed(self, p: Principal, phase: str) -> list[dict[str, Any]]:
        check_reads_cases(p, self.catalogue)
        if self.lists is None:
            return []
        if p.has(Role.AUDITOR):
            rows = self.lists.cases(self.catalogue.lead_agency)
        elif is_social_services(p, self.catalogue) or is_member_user(p, self.catalogue):
            rows = self.lists.cases(p.agency, p.municipality)
        else:
            return []
        return [r for r in rows if r["phase"] == phase] if phase else rows

    def _list_reads(self, p: Principal, rows: list[dict[str, Any]], purpose: Purpose) -> list[AccessEntry]:
        """A read of each case the list shows: ``case_list`` ("ärendelistan" in the extract), an auditor's
        ``audit.case_list``, as an auditor's feed read is ``audit.feed``."""
        what = AUDIT_CASE_LIST if p.has(Role.AUDITOR) else CASE_LIST
        stated = (lambda case_id: purpose) if isinstance(purpose, str) else purpose
        return [self._entry(p, r["case_id"], what, stated(r["case_id"])) for r in rows]

    def look(self, p: Principal, case_id: UUID, what: str, purpose: str = "", lead_only: bool = False) -> Look:
        """``lead_only``: a page of the case's administration (eligibility, guardians, consents, the group, the
        closure, the extract), refused to anyone but its lead *before* the read is logged — logged first, a school
        that opened such an address stood in the young person's extract as having read the guardians and the
        consents, though it was refused and shown nothing."""
        with self._outsiders_told_nothing(p):
            return self._look_now(p, case_id, what, purpose, lead_only)

    def _look_now(self, p: Principal, case_id: UUID, what: str, purpose: str = "", lead_only: bool = False) -> Look:
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

    async def look_async(self, p: Principal, case_id: UUID, what: str, purpose: str = "",
                         unseen_rows: bool = False) -> Look:
        """``unseen_rows``: for the lead, the current plan's responsible agencies that cannot see their rows now
        (``Look.unseen_rows``); a member is told none."""
        with self._outsiders_told_nothing(p):
            return await self._look_async(p, case_id, what, purpose, unseen_rows)

    async def _look_async(self, p: Principal, case_id: UUID, what: str, purpose: str = "",
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

    def find(self, p: Principal, case_number: str) -> UUID:
        """A case id from its number, for a user who is in the case (else: no such case — in the same words
        whether the number is taken or not, so numbers cannot be tried one by one).  A member must also see the
        number now (``case.opened``, a `case` fact): one that sees only what it recorded itself is shown no number
        in its case list, and the lookup would tell it which number its case bears.

        The number is looked for in the asker's own case list first (``_listed_as``), and the case read only when it
        is there: a number taken but not the asker's to see answers as one never given, after the same work.  Read
        first, the case made the 404 some 0.2 ms slower for a taken number, and any signed-in user timing many
        lookups could count which numbers of a municipality's year exist (a red team, 2026-12-05)."""
        try:
            with self._outsiders_told_nothing(p):
                case_id = self._listed_as(p, case_number)
                replay = self.judged.replay(case_id)
                if self._place(p, replay) is Place.MEMBER and not any(
                        d.fact.kind == "case.opened" for d in self._seen(p, replay)()):
                    raise CaseNotFound("no such case", field="case_id")
        except CaseNotFound:
            raise CaseNotFound("no case has that number", field="case_number") from None
        return case_id

    def _listed_as(self, p: Principal, case_number: str) -> UUID:
        """The case ``case_number`` names in ``p``'s case list (``_listed``'s: its agency's view of its municipality's
        cases), from one probe of the views caught up as a list read catches them up — so a case is found from the
        moment its list shows it; CaseNotFound when the list shows no such number, without anything of a case read.

        A number of another municipality is in no list of theirs (a case's number begins with its municipality's
        code): answered without asking the views, which tells the asker only what the number itself says.

        An auditor's number is looked up among every number given: auditors list every case of the installation and
        replay any, so no answer tells them of a case they may not know of — and only the numbers given still name
        an erased case, which the views no longer hold and an auditor is told was erased."""
        if p.has(Role.AUDITOR):
            return self.app.find_case(case_number)
        municipality, _ = parse_case_number(case_number)   # misshapen: refused (422) as before, naming the field
        listed = None
        if self.lists is not None and municipality == p.municipality and (
                is_social_services(p, self.catalogue) or is_member_user(p, self.catalogue)):
            listed = self.lists.listed_by_number(p.agency, municipality, case_number.strip())
        if listed is None:
            raise CaseNotFound("no case has that number", field="case_number")
        return listed

    def extract(self, p: Principal, case_id: UUID, purpose: str = "",
                recipient: str = YOUNG_PERSON) -> list[AccessRecord]:
        with self._outsiders_told_nothing(p):
            return self._extract(p, case_id, purpose, recipient)

    def _extract(self, p: Principal, case_id: UUID, purpose: str, recipient: str) -> list[AccessRecord]:
        """The young person's extract (registerutdrag): who read what about them, and when — for the young person,
        or a guardian with custody while they are under 18 (``Case.check_extract_for``); whom it was made for is in
        the access log (``extract``, or ``extract.guardian:<the guardian's id>``), so that it is on record."""
        replay = self.judged.replay(case_id)
        place = self._place(p, replay)
        if place is Place.MEMBER:
            raise Forbidden("social services produces the extract and hands it out")
        replay.case.check_extract_for(recipient, self.app.clock.now())
        # Which guardian by id (a random id, no name): whom it was handed to is on record.
        self._log(p, case_id, "extract" if recipient == YOUNG_PERSON else f"extract.guardian:{recipient}", purpose)
        return self.access_log.extract(case_id)

    def access_log_check(self, case_id: UUID | None = None, seqs: Iterable[int] = ()) -> ShownVerdict:
        """Whether the access log's entries an answer shows — the case's (the extract, the report), or those
        numbered ``seqs`` (an auditor's search) — are as written, and none of the log's is missing
        (``AccessLog.check_shown``): said with the answer, which alone could not tell.  No content: not logged."""
        return self.access_log.check_shown(case_id, seqs)

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
        except DamagedDataKey as error:
            if not self._told_of_damage(p, error.aggregate_id):
                raise CaseNotFound("no such case", field="case_id") from None
            raise

    def _told_of_damage(self, p: Principal, case_id: UUID) -> bool:
        """Whether ``p`` is told that the case's data key is damaged (409) rather than that there is no such case.

        The key is met before anyone is placed in the case — placing needs its events — so the answer went to whoever
        asked: a school of another municipality, trying case numbers, learnt which of them are taken and damaged.
        Told: an auditor; social services of the case's municipality (from the views' plaintext record of it; of any
        municipality while the views have not taken the case in); a member whose case list shows the case."""
        if p.has(Role.AUDITOR):
            return True
        if self.lists is None:
            return False
        if is_social_services(p, self.catalogue):
            place = self.lists.municipality_of(case_id)
            return place is None or place == p.municipality
        return is_member_user(p, self.catalogue) and any(
            row["case_id"] == case_id for row in self.lists.cases(p.agency, p.municipality))

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

    def _look(self, p: Principal, replay: Replay, unseen_rows: bool = False) -> Look:
        place = self._place(p, replay)
        check_reads_as_agency(place)
        now = self.app.clock.now()
        disclosures = replay.visible_to(p.agency, now)
        # Judged on the case itself at the instant the disclosures were, as the plan command's warnings are.
        unseen = plan_warnings.of_current_plan(replay, now, self.catalogue) if unseen_rows and place is Place.LEAD \
            else ()
        seen = self._seen_version(replay, p.agency, disclosures)
        return Look(replay.case.id, place, seen.count, disclosures, unseen, seen.digest)

    def _seen_version(self, replay: Replay, agency: str, disclosures: tuple[Disclosure, ...]) -> SeenVersion:
        """``agency``'s version of the case, ``disclosures`` being what it sees of it (``visible_to``'s answer)."""
        count = replay.versions_in(agency, disclosures)
        if self.fact_ids is None:
            return SeenVersion(count)
        ids = self.fact_ids
        return SeenVersion(count, digest_of(disclosures, lambda fact_id: ids(replay.case.id, fact_id)))

    async def _stored_now(self, store: AsyncEvents, case_id: UUID) -> Replay:
        """The case as stored now: this worker's copy with any newer events (one query on the loop), or, when
        it has none, the case loaded whole in a thread."""
        kept = self.judged.cached(case_id)
        if kept is None:
            return await asyncio.to_thread(self.judged.replay, case_id)
        newer = await store.events_after(case_id, kept.case.version)
        return self.judged.refreshed(kept, [self.app.mapper.to_domain_event(event) for event in newer])
