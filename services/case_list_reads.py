"""The case service's list reads: a page of the user's case list (each case shown a read, logged before it is shown),
a case found by its number in the asker's own list, an auditor's labels for cases already being read.

A mixin of ``CaseService`` (``services.case_service``), which holds what the list reads share with the other reads.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Iterable, NamedTuple
from uuid import UUID

from domain.case_numbers import parse_case_number
from services.access_entry import AccessEntry
from services.authorisation import Place, check_auditor, check_reads_cases, is_member_user, is_social_services
from services.errors import CaseNotFound
from services.ports import IndexCursor, Unnumbered
from services.principals import Principal, Role

if TYPE_CHECKING:
    from services.case_service import CaseService

CASE_LIST, AUDIT_CASE_LIST = "case_list", "audit.case_list"   # what the access log calls a case list's read
# The purpose of a list's reads: one for every case (the API's header), or each case's own (the web client's, stated
# for one case and never recorded on another's reads).
Purpose = str | Callable[[UUID], str]


@dataclass(frozen=True)
class Listing:
    """The cases a list shows (a page of it), how many the whole list holds, and a read of each case shown, to be
    logged before it is shown (none for an empty page)."""

    shown: list[dict[str, Any]]
    total: int
    reads: list[AccessEntry]


class ListPage(NamedTuple):
    """A page of a newest-first case list (the caseworkers' ``case_page``, the auditors' ``audit_case_index``): its
    rows, how many cases the whole list holds, the page's number, and whether a row follows it (``more``: read, one
    row past the page — the count moves with cases opened ahead of the page and rows gone before it)."""
    rows: list[dict[str, Any]]
    total: int
    page: int
    more: bool = False

    def last_cursor(self) -> IndexCursor | None:
        """Where the next page starts after: the last row's number, or its id."""
        return index_cursor(self.rows[-1]) if self.rows else None

    def first_cursor(self) -> IndexCursor | None:
        """Where the page before ends."""
        return index_cursor(self.rows[0]) if self.rows else None


def index_cursor(row: dict[str, Any]) -> IndexCursor:
    """A row's place in a newest-first list: its case number, or its id and whether it has none or an empty one."""
    if row["case_number"]:
        return row["case_number"]
    return Unnumbered(UUID(str(row["case_id"])), row["case_number"] is None)


def page_after(ahead: int, size: int) -> int:
    """The number of a page of ``size`` rows that ``ahead`` rows come before, where the link did not say (``efter``
    alone, edited by hand: it was told "Sida 1", with no page before it).  Its rows to the end are read to count
    them: only such a link needs it."""
    return 1 + -(-ahead // size) if ahead > 0 else 1


class CaseListReads:
    def case_page(self: CaseService, p: Principal, purpose: Purpose = "", phase: str = "", page: int = 1,
                  size: int = 50, after: IndexCursor | None = None, before: IndexCursor | None = None) -> ListPage:
        """One page of the user's case list — their agency's view of their own municipality's cases (an auditor's:
        all), of one phase given one — the newest case number first, how many cases the whole list holds, and
        whether a row follows the page; past the first, a keyset page (``_newest_first_page``).  It shows each
        case's number, phase, next meeting…: a read of each case on the page, logged together (one batch) before it
        is shown, with the purpose stated for it (``purpose``: one for all, or each case's own) — not of the row
        read past the page; an empty page logs nothing.  A page, not the whole list: an installation's auditor, or
        a large municipality's caseworker, read every case of it on each opening."""
        listed = self._newest_first_page(p, phase, page, size, after, before)
        self.access_log.record_all(self._list_reads(p, listed.rows, purpose))
        return listed

    def _newest_first_page(self: CaseService, p: Principal, phase: str, page: int, size: int,
                           after: IndexCursor | None = None, before: IndexCursor | None = None) -> ListPage:
        """A page of the user's newest-first list (of one phase, given one), nothing logged.  Past the first page, a
        keyset page: the rows ``after`` the last row shown (its number, or its id if it has none), or the ``size``
        rows ``before`` the first — by ``page``, an offset, a case opened while a reader paged moved every row down
        one, shown twice, and one closed out of the list moved them up, one skipped.  ``page`` alone (a link by
        number) is still read as an offset, and otherwise only numbers the page.  The page before page 2, or before
        a row with no more than ``size`` rows ahead of it, is the first page as it is now (a case opened since leads
        it).  One row more than the page is read, to tell whether one follows it."""
        if before is not None and page > 1:
            rows, total = self._listed(p, phase, slice(0, size + 1), True, before=before)
            if len(rows) <= size:   # back at the start
                return self._newest_first_page(p, phase, 1, size)
            rows = rows[1:]
            # What follows starts at the row ``before`` names, if it is still there: asked, one row.
            following, _ = self._listed(p, phase, slice(0, 1), True, after=index_cursor(rows[-1]))
            return ListPage(rows, total, page, bool(following))
        if after is not None and page == 1:   # a page after a row is not the first: which it is, counted
            rows, total = self._listed(p, phase, slice(0, None), True, after=after)
            page = page_after(total - len(rows), size)
        elif after is not None:
            rows, total = self._listed(p, phase, slice(0, size + 1), True, after=after)
        else:   # by number (``before`` on page 1 is the first page)
            rows, total = self._listed(p, phase, slice((page - 1) * size, page * size + 1), True)
        return ListPage(rows[:size], total, page, len(rows) > size)

    async def cases_async(self: CaseService, p: Principal, purpose: Purpose = "", offset: int = 0,
                          limit: int | None = None) -> tuple[list[dict[str, Any]], int]:
        """As ``case_page``, on an event loop — the list is read in a thread, its reads logged from the loop — from
        ``offset``, at most ``limit`` of them (in the list's order: by case number), only those shown read; and how
        many the whole list holds."""
        window = slice(offset, None if limit is None else offset + limit)
        listing = await asyncio.to_thread(self._listing, p, purpose, window)
        await self.access_log.record_all_async(listing.reads)
        return listing.shown, listing.total

    def case_numbers(self: CaseService, p: Principal, case_ids: Iterable[UUID]) -> dict[str, str | None]:
        """An auditor's label for cases already being read (the case an audit page is of, the cases whose reads an
        access-log page shows, each logged as that read): case id → its number, looked up by id in the views — not a
        read of the list, which would log every case of the installation on each such page (and read it whole).  A
        case not in the views (erased, or no such case) is left out."""
        check_auditor(p)
        if self.lists is None:
            return {}
        return {str(case_id): number for case_id, number in self.lists.case_numbers(list(set(case_ids))).items()}

    def _listing(self: CaseService, p: Principal, purpose: Purpose, window: slice) -> Listing:
        """The ``window`` of the user's list (by case number) and a read of each case in it: all but the logging,
        which ``cases_async`` does from the event loop."""
        shown, total = self._listed(p, "", window, False)
        return Listing(shown, total, self._list_reads(p, shown, purpose))

    def _listed(self: CaseService, p: Principal, phase: str, window: slice, newest_first: bool,
                after: IndexCursor | None = None, before: IndexCursor | None = None
                ) -> tuple[list[dict[str, Any]], int]:
        """The ``window`` of the user's list and how many cases the whole list holds: ordered, filtered and paged by
        the views' store, so that a page reads its rows, not the list."""
        check_reads_cases(p, self.catalogue)
        if self.lists is None:
            return [], 0
        if p.has(Role.AUDITOR):
            agency, municipality = self.catalogue.lead_agency, None
        elif is_social_services(p, self.catalogue) or is_member_user(p, self.catalogue):
            agency, municipality = p.agency, p.municipality
        else:
            return [], 0
        limit = None if window.stop is None else max(0, window.stop - window.start)
        return self.lists.page(agency, municipality, phase, window.start, limit, newest_first, after, before)

    def _list_reads(self: CaseService, p: Principal, rows: list[dict[str, Any]], purpose: Purpose) -> list[AccessEntry]:
        """A read of each case the list shows: ``case_list`` ("ärendelistan" in the extract), an auditor's
        ``audit.case_list``, as an auditor's feed read is ``audit.feed``."""
        what = AUDIT_CASE_LIST if p.has(Role.AUDITOR) else CASE_LIST
        stated = (lambda case_id: purpose) if isinstance(purpose, str) else purpose
        return [self._entry(p, r["case_id"], what, stated(r["case_id"])) for r in rows]

    def find(self: CaseService, p: Principal, case_number: str) -> UUID:
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

    def _listed_as(self: CaseService, p: Principal, case_number: str) -> UUID:
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
