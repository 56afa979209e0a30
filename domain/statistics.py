"""De-identified follow-up statistics (uppföljningsstatistik): counts and medians over a municipality's cases.

Pure functions, in three steps:

1. ``figures_of(events)``: what one case's history says that statistics may count — its entry route, age at
   referral, eligibility, days to a decision, a plan and a closure, the latest plan's rows (category, latest
   follow-up status) and whether the young person took part in drawing it up, the agencies that were members,
   consents granted and withdrawn.  No id, number, name, personnummer, free text or date leaves it except the
   dates the period rule and the medians need, which ``tabulate`` turns into counts and day differences.
2. ``tabulate(figures, start, end)``: the raw counts and day lists of the cases **referred in the period**: a
   case belongs to the period when the date on its referral (``referral_date``, the day social services received
   it, not the day it was typed in) lies from ``start`` to ``end``, both included.  Everything later that happened
   to those cases (a decision, a plan, a closure) counts as it stands when the statistics are made, whenever it
   happened: a cohort followed up, whose figures grow as its cases move on.
3. ``deidentify(raw)``: what may be shown — each count from 1 to 4 as "<5" (``suppress``), a median only over 5
   cases or more, and in a breakdown that adds up to a known total, another cell hidden ("..") whenever a suppressed
   one would otherwise be pinned down by the total minus the cells shown, within the bounds other breakdowns set
   on it (``suppress``, ``Breakdown.bounds``), so that it cannot be given back; a breakdown of a cell that is itself
   suppressed shows none of its cells.  Then everything shown is read at once, as a reader knowing the domain's
   rules would (``_Reader``), and while a hidden count can still be worked out exactly, one more cell is hidden —
   where every cell of its breakdown is hidden already, the cell of another breakdown that bounds it — until none
   can (a fixpoint over all breakdowns).

The period is a whole calendar year (``check_calendar_year``): any two periods of which one holds the other, or
that overlap, would give the cases referred in their difference — a month, or one day — exactly, unsuppressed.

Erased cases cannot be read (their key is destroyed): they are in none of the figures; the caller counts them.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Collection, Iterable, Mapping, Sequence

from domain import case_events as ev
from domain.calendar import age_on, local_date
from domain.errors import PeriodNotACalendarYear
from domain.identity import PersonalIdentityNumber
from domain.values import ClosureReason, EntryRoute, FollowUpStatus

SMALL = "<5"          # a count from 1 to 4 (primary suppression), as Swedish official statistics show it
HIDDEN = ".."         # a count hidden so that a "<5" beside it cannot be computed back (secondary suppression)
SMALLEST_SHOWN = 5    # counts from 1 to this less one are suppressed; a median needs at least this many cases

AGE_BANDS = ("under_15", "15_17", "18_20", "21_over")
DECISIONS = ("accepted", "declined", "pending")
TARGET_GROUP = ("inside", "outside")
# Whether the young person took part in drawing up the case's latest plan revision (not recorded: a revision stored
# before it was asked, or recorded without it).
PARTICIPATION = ("with_young_person", "without_young_person", "not_recorded")
NOT_FOLLOWED_UP = "not_followed_up"
FOLLOW_UPS = tuple(s.value for s in FollowUpStatus) + (NOT_FOLLOWED_UP,)

Cell = int | str      # a count, or SMALL / HIDDEN


@dataclass(frozen=True)
class CaseFigures:
    """One case as statistics count it."""

    referral_date: date
    entry_route: str
    age_at_referral: int
    decision: str                       # accepted | declined | pending
    outside_target_group: bool          # accepted with a recorded reason, outside 15–25
    decided_on: date | None
    first_plan_on: date | None          # the day (Swedish time) the first action plan was recorded
    closed_on: date | None              # the day (Swedish time) the case was closed
    closure_reason: str | None
    plan_rows: tuple[tuple[str, str], ...] = ()   # the latest plan's rows: (category, latest follow-up status)
    agencies: frozenset[str] = frozenset()        # every agency that was ever a member of the group
    consents_granted: int = 0
    consents_withdrawn: int = 0
    meetings: int = 0
    plan_participation: str | None = None        # the latest plan's: one of PARTICIPATION; None without a plan


def figures_of(events: Sequence[Any]) -> CaseFigures:
    """Fold one case's events (as stored, in order; the first its referral) into what statistics count."""
    opened = events[0]
    if not isinstance(opened, ev.ReferralReceived):
        raise ValueError("a case's history starts with its referral")
    born = PersonalIdentityNumber(opened.subject.personnummer).birth_date
    decision, outside, decided_on = "pending", False, None
    first_plan_on = closed_on = closure_reason = participation = None
    rows: dict[str, str] = {}              # the latest plan's rows: row id -> category
    statuses: dict[str, str] = {}          # row id -> its latest follow-up status
    agencies: set[str] = set()
    granted = withdrawn = meetings = 0
    for event in events[1:]:
        if isinstance(event, ev.EligibilityDecided):
            decision = "accepted" if event.accepted else "declined"
            outside = bool(event.accepted and event.outside_target_group_reason)
            decided_on = event.decided_on
        elif isinstance(event, ev.PlanRevised):
            first_plan_on = first_plan_on or local_date(event.timestamp)
            rows = {row.row_id: row.category for row in event.rows}
            participation = _participation(event)
        elif isinstance(event, ev.FollowUpRecorded):
            statuses[event.row_id] = event.status
        elif isinstance(event, ev.MemberJoined):
            agencies.add(event.agency)
        elif isinstance(event, ev.ConsentGranted):
            granted += 1
        elif isinstance(event, ev.ConsentWithdrawn):
            withdrawn += 1
        elif isinstance(event, ev.MeetingHeld):
            meetings += 1
        elif isinstance(event, ev.CaseClosed):
            closed_on, closure_reason = local_date(event.timestamp), event.reason
    return CaseFigures(
        referral_date=opened.referral_date, entry_route=opened.entry_route,
        age_at_referral=age_on(born, opened.referral_date), decision=decision, outside_target_group=outside,
        decided_on=decided_on, first_plan_on=first_plan_on, closed_on=closed_on, closure_reason=closure_reason,
        plan_rows=tuple((category, statuses.get(row_id, NOT_FOLLOWED_UP)) for row_id, category in rows.items()),
        agencies=frozenset(agencies), consents_granted=granted, consents_withdrawn=withdrawn, meetings=meetings,
        plan_participation=participation)


def _participation(plan: ev.PlanRevised) -> str:
    if plan.participation is None:
        return "not_recorded"
    return "with_young_person" if plan.participation.young_person else "without_young_person"


def age_band(age: int) -> str:
    return "under_15" if age < 15 else "15_17" if age < 18 else "18_20" if age < 21 else "21_over"


def check_calendar_year(start: date, end: date, fields: tuple[str, str] = ("from", "to")) -> None:
    """The period is one whole calendar year, or PeriodNotACalendarYear naming the field at fault.  Periods of
    which one holds another (January–June and January–May) or that overlap would show, by their difference, the
    cases of a month or of a single day exactly; whole years never overlap, so no two runs can be subtracted."""
    if (start.month, start.day) != (1, 1):
        raise PeriodNotACalendarYear(f"{fields[0]}: the statistics are of a whole calendar year: from"
                                     f" {start.year}-01-01", field=fields[0])
    if end != date(start.year, 12, 31):
        raise PeriodNotACalendarYear(f"{fields[1]}: the statistics are of a whole calendar year: to"
                                     f" {start.year}-12-31", field=fields[1])


@dataclass(frozen=True)
class Breakdown:
    """Counts by one property.  ``parts_of``: the breakdown adds up to that total (a partition), so that one
    hidden cell could be computed back from it; None for counts that do not add up to anything (a case counted
    under each agency of its group).  ``bounds``: cell -> (at least, at most) that the domain's rules and another
    breakdown's counts set on it (the cases closed as not eligible are at most the declined ones, say), taken from
    the true counts so that they are as tight as anything a reader can work out from what is shown."""

    key: str
    cells: dict[str, int]
    parts_of: int | None
    within: tuple[str, str] | None = None   # (breakdown, cell) whose count ``parts_of`` is: accepted cases, say
    bounds: dict[str, tuple[int, int]] = field(default_factory=dict)
    total_name: str | None = None   # a total other breakdowns add up to as well ("cases"), so one count to a reader


@dataclass(frozen=True)
class RawStatistics:
    cases: int
    breakdowns: tuple[Breakdown, ...]
    days: dict[str, list[int]] = field(default_factory=dict)   # median's name -> one number per case


def tabulate(figures: Iterable[CaseFigures], start: date, end: date, *, agencies: Sequence[str] = (),
             categories: Sequence[str] = ()) -> RawStatistics:
    """The raw counts of the cases referred from ``start`` to ``end`` (both included).  ``agencies`` and
    ``categories``: the catalogue's, so that every one has a row (0 included), in the catalogue's order."""
    cases = [f for f in figures if start <= f.referral_date <= end]
    accepted = [f for f in cases if f.decision == "accepted"]
    closed = [f for f in cases if f.closed_on is not None]
    rows = [row for f in cases for row in f.plan_rows]

    def count(keys: Iterable[str], values: Iterable[str]) -> dict[str, int]:
        cells = dict.fromkeys(keys, 0)
        for value in values:
            cells[value] = cells.get(value, 0) + 1
        return cells

    with_group = [f for f in cases if f.agencies]
    with_plan = [f for f in accepted if f.first_plan_on]
    routes = count((r.value for r in EntryRoute), (f.entry_route for f in cases))
    ages = count(AGE_BANDS, (age_band(f.age_at_referral) for f in cases))
    decisions = count(DECISIONS, (f.decision for f in cases))
    reasons = count((r.value for r in ClosureReason), (f.closure_reason for f in closed))
    members = count(agencies, (a for f in cases for a in f.agencies))
    links = _Links(len(cases), routes, ages, decisions, reasons, members, len(with_plan), len(rows))
    breakdowns = (
        Breakdown("entry_route", routes, len(cases), bounds=links.of_routes(), total_name="cases"),
        Breakdown("age_at_referral", ages, len(cases), bounds=links.of_ages(), total_name="cases"),
        Breakdown("eligibility", decisions, len(cases), bounds=links.of_decisions(), total_name="cases"),
        Breakdown("target_group", count(TARGET_GROUP, ("outside" if f.outside_target_group else "inside"
                                                       for f in accepted)), len(accepted), ("eligibility", "accepted")),
        Breakdown("action_plan", count(("with_plan", "without_plan"), (
            "with_plan" if f.first_plan_on else "without_plan" for f in accepted)), len(accepted),
                  ("eligibility", "accepted"), links.of_plans()),
        # The cases with a plan are the accepted ones' "with_plan" cell: shown (or hidden) as that cell is.
        Breakdown("plan_participation", count(PARTICIPATION, (f.plan_participation for f in with_plan)),
                  len(with_plan), ("action_plan", "with_plan")),
        Breakdown("closure_reason", reasons, len(closed), bounds=links.of_reasons(), total_name="closed_cases"),
        Breakdown("plan_rows_by_category", count(categories, (c for c, _ in rows)), len(rows),
                  total_name="plan_rows"),
        Breakdown("plan_rows_by_follow_up", count(FOLLOW_UPS, (s for _, s in rows)), len(rows),
                  total_name="plan_rows"),
        Breakdown("member_agencies", members, None),
        Breakdown("consents", {"granted": sum(f.consents_granted for f in cases),
                               "withdrawn": sum(f.consents_withdrawn for f in cases),
                               "cases_with_a_withdrawal": sum(1 for f in cases if f.consents_withdrawn)}, None),
    )
    days = {
        "referral_to_decision": [(f.decided_on - f.referral_date).days for f in cases if f.decided_on],
        "decision_to_first_plan": [(f.first_plan_on - f.decided_on).days for f in accepted
                                   if f.first_plan_on and f.decided_on],
        "referral_to_closure": [(f.closed_on - f.referral_date).days for f in closed if f.closed_on],
        "agencies_per_group": [len(f.agencies) for f in with_group],
        "meetings_per_accepted_case": [f.meetings for f in accepted],
    }
    return RawStatistics(len(cases), breakdowns, days)


def _low(count: int) -> int:
    """The least a reader knows another breakdown's count to be: 1 for a "<5", the count itself otherwise (shown,
    or as the most a ".." can tell)."""
    return 1 if 0 < count < SMALLEST_SHOWN else count


def _high(count: int) -> int:
    """The most a reader knows another breakdown's count to be: 4 for a "<5", the count itself otherwise."""
    return SMALLEST_SHOWN - 1 if 0 < count < SMALLEST_SHOWN else count


@dataclass(frozen=True)
class _Links:
    """What the domain's rules tie between breakdowns, as bounds on single cells (``Breakdown.bounds``).  Each is
    a rule a reader may know: "inte aktuell" closes only a case found not eligible; "målen är nådda" only one with
    an action plan; a plan has at least one row; a group is formed only for an accepted case; a LUL 6 § or SoL 14
    referral concerns someone under 18; the median of days to the decision is shown only over 5 decided cases.
    The other side of each is taken as a reader sees it at best (``_low``, ``_high``): a "<5" as 1 or 4, any
    other count exactly, so that a bound is never looser than one a reader can work out."""

    cases: int
    routes: dict[str, int]
    ages: dict[str, int]
    decisions: dict[str, int]
    reasons: dict[str, int]
    members: dict[str, int]
    with_plan: int
    rows: int

    def _route(self, route: EntryRoute) -> int:
        return self.routes.get(route.value, 0)

    def _reason(self, reason: ClosureReason) -> int:
        return self.reasons.get(reason.value, 0)

    def of_routes(self) -> dict[str, tuple[int, int]]:
        under_18 = _high(self.ages["under_15"]) + _high(self.ages["15_17"])
        adults = _low(self.ages["18_20"]) + _low(self.ages["21_over"])
        known, other = EntryRoute.KNOWN, EntryRoute.OTHER
        return {EntryRoute.LUL6.value: (0, under_18), EntryRoute.SOL14.value: (0, under_18),
                known.value: (adults - _high(self._route(other)), self.cases),
                other.value: (adults - _high(self._route(known)), self.cases)}

    def of_ages(self) -> dict[str, tuple[int, int]]:
        children_s = _low(self._route(EntryRoute.LUL6)) + _low(self._route(EntryRoute.SOL14))
        grown = _high(self._route(EntryRoute.KNOWN)) + _high(self._route(EntryRoute.OTHER))
        return {"under_15": (children_s - _high(self.ages["15_17"]), self.cases),
                "15_17": (children_s - _high(self.ages["under_15"]), self.cases),
                "18_20": (0, grown), "21_over": (0, grown)}

    def of_decisions(self) -> dict[str, tuple[int, int]]:
        decided = self.decisions["accepted"] + self.decisions["declined"]
        pending = ((0, self.cases - SMALLEST_SHOWN) if decided >= SMALLEST_SHOWN
                   else (self.cases - SMALLEST_SHOWN + 1, self.cases))
        accepted = max(_low(n) for n in [self._reason(ClosureReason.GOALS_MET), *self.members.values()])
        return {"accepted": (accepted, self.cases),
                "declined": (_low(self._reason(ClosureReason.NOT_ELIGIBLE)), self.cases), "pending": pending}

    def of_plans(self) -> dict[str, tuple[int, int]]:
        return {"with_plan": (_low(self._reason(ClosureReason.GOALS_MET)), _high(self.rows))}

    def of_reasons(self) -> dict[str, tuple[int, int]]:
        return {ClosureReason.NOT_ELIGIBLE.value: (0, _high(self.decisions["declined"])),
                ClosureReason.GOALS_MET.value: (0, _high(self.with_plan))}


def shown(count: int) -> Cell:
    """A count as it may be shown: 1–4 as "<5"."""
    return SMALL if 0 < count < SMALLEST_SHOWN else count


def suppress(cells: Mapping[str, int], parts_of: int | None = None, *, total_hidden: bool = False,
             bounds: Mapping[str, tuple[int, int]] | None = None, hide: Collection[str] = ()) -> dict[str, Cell]:
    """The cells as they may be shown.

    Primary: each count from 1 to 4 is "<5".  Secondary, for a breakdown that adds up to a total (``parts_of``):
    the total is treated as known whether or not it is shown here (the number of cases is shown anyway, and a
    sub-total is often a cell elsewhere), so while the total minus the cells shown pins a hidden cell down to one
    value — a "<5" is 1 to 4 and a ".." 5 or more, as anyone reading this rule knows, each within the ``bounds``
    other breakdowns set on it — the smallest other non-zero cell is hidden too ("..", the first in order among
    equals).  One "<5" alone is always pinned; two whose sum is 2 (or 8) are each 1 (or 4); a "<5" beside a ".."
    that add up to 6 are 1 and 5; a "<5" beside a ".." known to be at least its true count (the declined cases,
    when as many were closed as not eligible) is pinned too.  When no non-zero cell is left to hide and one is still
    pinned, every cell is hidden (".."): the breakdown then says nothing beyond its total.  Under a total of 5 every
    non-zero cell is "<5" already and the total is itself shown as "<5".
    ``total_hidden``: the total is itself suppressed where it is shown (accepted cases, a cell of the eligibility
    breakdown): every cell is hidden, zeros too.  Its cells would otherwise bound it — three non-zero cells make it
    at least 3, two "<5" at most 8 — and a bound on a hidden cell is what gives a "<5" beside it back.
    ``hide``: cells hidden beforehand because they bound a cell of another breakdown (``deidentify``): in a breakdown
    with a total only counts of 5 or more, so that a ".." beside cells shown is still 5 or more."""
    if total_hidden:
        return {key: HIDDEN for key in cells}
    out: dict[str, Cell] = {key: HIDDEN if key in hide else shown(value) for key, value in cells.items()}
    if parts_of is None:
        return out
    others = [key for _, _, key in sorted((value, n, key) for n, (key, value) in enumerate(cells.items())
                                          if not isinstance(out[key], str) and value > 0)]
    if parts_of < SMALLEST_SHOWN:
        return out
    while _pinned(out, parts_of, bounds or {}):
        if not others:
            return {key: HIDDEN for key in cells}
        out[others.pop(0)] = HIDDEN
    return out


def _pinned(out: Mapping[str, Cell], total: int, bounds: Mapping[str, tuple[int, int]]) -> bool:
    """Whether the total minus the cells shown gives one hidden cell back exactly: each "<5" is 1 to 4, each ".."
    5 to the total, each within its bounds."""
    hidden = []
    for key, value in out.items():
        if isinstance(value, str):
            lo, hi = (1, SMALLEST_SHOWN - 1) if value == SMALL else (SMALLEST_SHOWN, total)
            at_least, at_most = bounds.get(key, (lo, hi))
            hidden.append((max(lo, at_least), min(hi, at_most)))
    if not hidden:
        return False
    rest = total - sum(value for value in out.values() if not isinstance(value, str))
    lows, highs = sum(lo for lo, _ in hidden), sum(hi for _, hi in hidden)
    return any(max(lo, rest - (highs - hi)) >= min(hi, rest - (lows - lo)) for lo, hi in hidden)


def median_shown(days: Sequence[int]) -> float | None:
    """The median, over at least 5 cases; None (not shown) over fewer."""
    if len(days) < SMALLEST_SHOWN:
        return None
    return float(statistics.median(days))


def deidentify(raw: RawStatistics) -> dict[str, Any]:
    """What may leave: suppressed counts, and medians over 5 cases or more.  How many cases a median is over is not
    shown: it is a sum of cells (the decided cases: accepted and declined) that would give a suppressed one back.

    Each breakdown is suppressed on its own first (``suppress``, with the bounds other breakdowns set on its cells).
    Then the whole is read as a reader would (``_Reader``: every total, cell shown, "<5", "..", the domain's rules
    between breakdowns and which medians are shown), and while a hidden count can still be worked out exactly, one
    more cell is hidden (``_more_to_hide``) — in its own breakdown while it shows a count, else a cell elsewhere that
    bounds it, the smallest that helps — until none can (a fixpoint over all breakdowns: hiding one may pin
    another).  Last, each of those extra cells is shown again if nothing can be worked out without it."""
    hide: list[_Hide] = []
    published = _published(raw, hide)
    while (pinned := _Reader(raw, published).first_pinned()) is not None:
        more = _more_to_hide(raw, published, hide, pinned)
        if more is None:   # nothing tied to it left to hide (not met in any population tried): fail closed, the
            # total alone, as secrecy goes first
            return _published(raw, [*((b.key, None) for b in raw.breakdowns), *(("medians", n) for n in raw.days)])
        hide.append(more)
        published = _published(raw, hide)
    for entry in list(reversed(hide)):   # the fewest: an extra cell a later one made needless is shown again
        fewer = [h for h in hide if h != entry]
        trial = _published(raw, fewer)
        if _Reader(raw, trial).first_pinned() is None:
            hide, published = fewer, trial
    return published


# A cell hidden because it bounds a count of another breakdown: (breakdown, cell), (breakdown, None) for every cell
# of it, or ("medians", name) for a median.
_Hide = tuple[str, str | None]


def _published(raw: RawStatistics, hide: Sequence[_Hide]) -> dict[str, Any]:
    breakdowns: dict[str, dict[str, Any]] = {}
    for b in raw.breakdowns:
        total: Cell | None = None if b.parts_of is None else shown(b.parts_of)
        if b.within is not None:   # its total is a cell of a breakdown before it: shown as that cell is
            total = breakdowns[b.within[0]]["cells"][b.within[1]]
        every = (b.key, None) in hide or (b.within is not None and isinstance(total, str))
        cells = {cell for key, cell in hide if key == b.key and cell is not None}
        breakdowns[b.key] = {"total": total, "cells": suppress(b.cells, b.parts_of, bounds=b.bounds,
                                                               total_hidden=every, hide=cells)}
    medians = {name: None if ("medians", name) in hide else median_shown(values) for name, values in raw.days.items()}
    return {"cases": shown(raw.cases), "breakdowns": breakdowns, "medians": medians}


# -- What a reader can work out from everything shown at once ------------------------------------------------------

Ref = tuple[str, str] | str   # a cell (breakdown, cell), or a count no breakdown shows as a cell (a total, "groups")

# The domain's rules between breakdowns, as sum(smaller) <= sum(larger): "inte aktuell" closes only a case found not
# eligible; "målen är nådda" only one with an action plan; a plan has at least one row; LUL 6 § and SoL 14 kap.
# concern someone under 18; an agency is a member only of a group, and a group is formed only for an accepted case.
# "*": each cell of that breakdown.
_AT_MOST: tuple[tuple[tuple[Ref, ...], tuple[Ref, ...]], ...] = (
    ((("closure_reason", "not_eligible"),), (("eligibility", "declined"),)),
    ((("closure_reason", "goals_met"),), (("action_plan", "with_plan"),)),
    ((("action_plan", "with_plan"),), ("plan_rows",)),
    ((("entry_route", "lul6"), ("entry_route", "sol14")), (("age_at_referral", "under_15"),
                                                           ("age_at_referral", "15_17"))),
    ((("member_agencies", "*"),), ("groups",)),
    (("groups",), (("eligibility", "accepted"),)),
)
# A median is shown over 5 cases or more, so whether it is shown says whether these add up to 5 or more.
_MEDIAN_OVER: dict[str, tuple[Ref, ...]] = {
    "referral_to_decision": (("eligibility", "accepted"), ("eligibility", "declined")),
    "meetings_per_accepted_case": (("eligibility", "accepted"),),
    "decision_to_first_plan": (("action_plan", "with_plan"),),
    "agencies_per_group": ("groups",),
    "referral_to_closure": ("closed_cases",),
}
_SEARCH_BUDGET = 400   # nodes per search; a search that runs out counts the cell as worked out (hide more)


class _Reader:
    """Everything shown, as integer unknowns with ranges (a count shown: itself; "<5": 1–4; "..": 5 or more beside
    cells shown, 1 or more among counts without a total, anything where every cell is "..") and the linear rules a
    reader knows: each breakdown adds up to its total, ``_AT_MOST``, ``_MEDIAN_OVER``.  A rule the true counts
    break (data the domain's rules did not make) is left out: a reader relying on it would be wrong.  A hidden count
    is worked out when every population agreeing with all of it has the same count there (``first_pinned``)."""

    def __init__(self, raw: RawStatistics, published: Mapping[str, Any]) -> None:
        self.index: dict[Ref, int] = {}
        self.lo: list[int] = []
        self.hi: list[int] = []
        self.truth: list[int] = []
        self.hidden: list[int] = []              # the counts not shown, 0 excluded (a 0 tells of no case)
        self.constraints: list[tuple[tuple[tuple[int, int], ...], int]] = []   # sum(coef * var) <= bound
        self.home: dict[int, str] = {}           # a cell's breakdown
        cases = self._count("cases", raw.cases, published["cases"], raw.cases)
        linked = {ref[0] for side in _AT_MOST for refs in side for ref in refs if isinstance(ref, tuple)}
        for b in raw.breakdowns:
            shown_b = published["breakdowns"][b.key]
            if b.parts_of is None and b.key not in linked:
                continue   # counted apart, bound by nothing
            if b.within is not None:
                total: int | None = self.index.get(b.within)
            elif b.parts_of is not None:
                total = self._count(b.total_name or f"{b.key}.total", b.parts_of, shown_b["total"], b.parts_of)
            else:
                total = None
            cap = self.hi[cases] if total is None else self.hi[total]
            every = all(value == HIDDEN for value in shown_b["cells"].values())
            for cell, count in b.cells.items():
                var = self._count((b.key, cell), count, shown_b["cells"][cell], cap,
                                  at_least=0 if every else 1 if total is None else SMALLEST_SHOWN)
                self.home[var] = b.key
            if total is not None:
                self._rule([(self.index[(b.key, cell)], 1) for cell in b.cells] + [(total, -1)], 0)
                self._rule([(self.index[(b.key, cell)], -1) for cell in b.cells] + [(total, 1)], 0)
        self._count("groups", len(raw.days.get("agencies_per_group", ())), HIDDEN, self.hi[cases], at_least=0)
        for smaller, larger in _AT_MOST:
            for left in self._each(smaller):
                right = self._refs(larger)
                if left is not None and right is not None:
                    self._rule([(v, 1) for v in left] + [(v, -1) for v in right], 0)
        for name, over in _MEDIAN_OVER.items():
            refs = self._refs(over)
            if name in raw.days and refs is not None:
                if published["medians"].get(name) is None:
                    self._rule([(v, 1) for v in refs], SMALLEST_SHOWN - 1)
                else:
                    self._rule([(v, -1) for v in refs], -SMALLEST_SHOWN)
        self.watch: list[list[int]] = [[] for _ in self.lo]
        for n, (terms, _) in enumerate(self.constraints):
            for var, _ in terms:
                self.watch[var].append(n)

    def _count(self, ref: Ref, truth: int, cell: Cell | None, cap: int, *, at_least: int = SMALLEST_SHOWN) -> int:
        if ref in self.index:
            return self.index[ref]
        if isinstance(cell, int):
            lo = hi = cell
        elif cell == SMALL:
            lo, hi = 1, SMALLEST_SHOWN - 1
        else:
            lo, hi = at_least, max(cap, at_least)
        self.index[ref] = var = len(self.lo)
        self.lo.append(min(lo, truth))    # never narrower than the truth: a reading the data break is no reading
        self.hi.append(max(hi, truth))
        self.truth.append(truth)
        if isinstance(cell, str) and truth > 0 and ref != "groups":
            self.hidden.append(var)
        return var

    def _refs(self, refs: Iterable[Ref]) -> list[int] | None:
        out = [self.index.get(ref) for ref in refs]
        return None if None in out else [v for v in out if v is not None]

    def _each(self, refs: tuple[Ref, ...]) -> list[list[int] | None]:
        if len(refs) == 1 and isinstance(refs[0], tuple) and refs[0][1] == "*":
            key = refs[0][0]
            return [[var] for ref, var in self.index.items() if isinstance(ref, tuple) and ref[0] == key]
        return [self._refs(refs)]

    def _rule(self, terms: list[tuple[int, int]], bound: int) -> None:
        if sum(coef * self.truth[var] for var, coef in terms) <= bound:
            self.constraints.append((tuple(terms), bound))

    def first_pinned(self) -> int | None:
        """A hidden count every agreeing population has the same value of, or None.  Each population found is a
        witness for every count it differs from the truth in, so most counts need no search of their own."""
        lo, hi = self.lo[:], self.hi[:]
        self._narrow(lo, hi, range(len(self.constraints)))
        free: set[int] = set()
        for var in self.hidden:
            if var in free:
                continue
            found = self._other_than_the_truth(var, lo, hi)
            if found is None:
                return var
            free.update(v for v, value in enumerate(found) if value != self.truth[v])
        return None

    def pins(self, var: int) -> bool:
        return self._other_than_the_truth(var, self.lo, self.hi) is None

    def _other_than_the_truth(self, var: int, lo: list[int], hi: list[int]) -> list[int] | None:
        """A population agreeing with everything shown in which ``var`` is below its true value, else one in which
        it is above; None when there is neither (``var`` is pinned)."""
        for below in (True, False):
            l2, h2 = lo[:], hi[:]
            if below:
                h2[var] = self.truth[var] - 1
            else:
                l2[var] = self.truth[var] + 1
            found = self._solution(l2, h2) if l2[var] <= h2[var] else None
            if found is not None:
                return found
        return None

    def _narrow(self, lo: list[int], hi: list[int], queue: Iterable[int]) -> bool:
        """Bounds propagation: each rule narrows each of its unknowns by the least the others can be."""
        pending = list(queue)
        queued = set(pending)
        while pending:
            n = pending.pop()
            queued.discard(n)
            terms, bound = self.constraints[n]
            least = sum(lo[v] if c > 0 else -hi[v] for v, c in terms)
            if least > bound:
                return False
            for v, c in terms:
                room = bound - least + (lo[v] if c > 0 else -hi[v])   # c * v <= room
                if c > 0 and room < hi[v]:
                    hi[v] = room
                elif c < 0 and -room > lo[v]:
                    lo[v] = -room
                else:
                    continue
                if lo[v] > hi[v]:
                    return False
                for m in self.watch[v]:
                    if m not in queued:
                        queued.add(m)
                        pending.append(m)
        return True

    def _solution(self, lo: list[int], hi: list[int]) -> list[int] | None:
        """A population within these ranges that keeps every rule, by halving ranges (away from the truth first);
        None when there is none, or when the search runs out (counted as none: hide more rather than less)."""
        stack = [(lo, hi)]
        nodes = 0
        while stack and nodes < _SEARCH_BUDGET:
            lo, hi = stack.pop()
            nodes += 1
            if not self._narrow(lo, hi, range(len(self.constraints))):
                continue
            open_ = [v for v in range(len(lo)) if lo[v] < hi[v]]
            if not open_:
                return lo
            var = max(open_, key=lambda v: hi[v] - lo[v])
            middle = (lo[var] + hi[var]) // 2
            low = (lo[:], hi[:])
            low[1][var] = middle
            high = (lo[:], hi[:])
            high[0][var] = middle + 1
            first, second = (high, low) if self.truth[var] <= middle else (low, high)
            stack += [second, first]
        return None


def _more_to_hide(raw: RawStatistics, published: Mapping[str, Any], hide: Sequence[_Hide],
                  pinned: int) -> _Hide | None:
    """What to hide next when a hidden count can be worked out.  In its own breakdown while it shows a count, the
    smallest (the secondary rule's step); when it shows none, every cell of it.  When every cell of it is hidden
    already, a cell of another breakdown that bounds it through the domain's rules (the closures' "not eligible"
    beside the declined, an agency's count beside the accepted): of those whose hiding leaves it not worked out, the
    one that hides the fewest cells in all (a "<5" in a breakdown with a total is hidden with every cell of it, or
    a ".." beside it could be under 5), then the smallest count; else the smallest.  With no cell left, a median
    over counts tied to it."""
    reader = _Reader(raw, published)
    ref = next(r for r, v in reader.index.items() if v == pinned)
    homes = [reader.home[pinned]] if pinned in reader.home else [
        b.key for b in raw.breakdowns if b.within is None and b.parts_of is not None and b.total_name == ref]
    by_key = {b.key: b for b in raw.breakdowns}
    for key in homes:
        b, cells = by_key[key], published["breakdowns"][key]["cells"]
        if b.parts_of is None or all(value == HIDDEN for value in cells.values()):
            continue
        counts = [(count, n, cell) for n, (cell, count) in enumerate(b.cells.items())
                  if isinstance(cells[cell], int) and count > 0]
        return (key, min(counts)[2]) if counts else (key, None)
    candidates = []
    linked = _linked(reader, pinned)
    for var in linked:
        cell_ref = next(r for r, v in reader.index.items() if v == var)
        if not isinstance(cell_ref, tuple) or cell_ref[0] in homes:
            continue
        b, cell = by_key[cell_ref[0]], published["breakdowns"][cell_ref[0]]["cells"][cell_ref[1]]
        if cell == 0 or cell == HIDDEN:
            continue
        whole = b.parts_of is not None and reader.truth[var] < SMALLEST_SHOWN
        entry: _Hide = (b.key, None) if whole else cell_ref
        trial = _published(raw, [*hide, entry])
        after = _Reader(raw, trial)
        helps = ref in after.index and not after.pins(after.index[ref])
        candidates.append((not helps, _hidden_cells(trial), reader.truth[var], len(candidates), entry))
    if candidates:
        return min(candidates)[-1]
    # No cell left to hide: a median that says its cases are 5 or more (5 plan rows beside "at least 5 with a plan").
    near = {pinned, *linked}
    medians = [("medians", name) for name, over in _MEDIAN_OVER.items() if published["medians"].get(name) is not None
               and near.intersection(reader.index.get(ref, -1) for ref in over)]
    return medians[0] if medians else None


def _hidden_cells(published: Mapping[str, Any]) -> int:
    return sum(1 for b in published["breakdowns"].values() for value in b["cells"].values() if value == HIDDEN)


def _linked(reader: _Reader, start: int) -> list[int]:
    """The unknowns a rule ties to ``start``, through others of its breakdown and through counts shown nowhere
    ("groups"), nearest first."""
    order, seen, frontier = [], {start}, [start]
    while frontier:
        nxt = []
        for var in frontier:
            for n in reader.watch[var]:
                for other, _ in reader.constraints[n][0]:
                    if other not in seen:
                        seen.add(other)
                        order.append(other)
                        if reader.lo[other] < reader.hi[other]:   # a count shown ties nothing further
                            nxt.append(other)
        frontier = nxt
    return order
