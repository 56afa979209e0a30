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
   one would otherwise be pinned down by the total minus the cells shown (``suppress``), so that it cannot be given back.

Erased cases cannot be read (their key is destroyed): they are in none of the figures; the caller counts them.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Iterable, Mapping, Sequence

from domain import case_events as ev
from domain.calendar import age_on, local_date
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


@dataclass(frozen=True)
class Breakdown:
    """Counts by one property.  ``parts_of``: the breakdown adds up to that total (a partition), so that one
    hidden cell could be computed back from it; None for counts that do not add up to anything (a case counted
    under each agency of its group)."""

    key: str
    cells: dict[str, int]
    parts_of: int | None
    within: tuple[str, str] | None = None   # (breakdown, cell) whose count ``parts_of`` is: accepted cases, say


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
    breakdowns = (
        Breakdown("entry_route", count((r.value for r in EntryRoute), (f.entry_route for f in cases)), len(cases)),
        Breakdown("age_at_referral", count(AGE_BANDS, (age_band(f.age_at_referral) for f in cases)), len(cases)),
        Breakdown("eligibility", count(DECISIONS, (f.decision for f in cases)), len(cases)),
        Breakdown("target_group", count(TARGET_GROUP, ("outside" if f.outside_target_group else "inside"
                                                       for f in accepted)), len(accepted), ("eligibility", "accepted")),
        Breakdown("action_plan", count(("with_plan", "without_plan"), (
            "with_plan" if f.first_plan_on else "without_plan" for f in accepted)), len(accepted),
                  ("eligibility", "accepted")),
        # The cases with a plan are the accepted ones' "with_plan" cell: shown (or hidden) as that cell is.
        Breakdown("plan_participation", count(PARTICIPATION, (f.plan_participation for f in with_plan)),
                  len(with_plan), ("action_plan", "with_plan")),
        Breakdown("closure_reason", count((r.value for r in ClosureReason), (f.closure_reason for f in closed)),
                  len(closed)),
        Breakdown("plan_rows_by_category", count(categories, (c for c, _ in rows)), len(rows)),
        Breakdown("plan_rows_by_follow_up", count(FOLLOW_UPS, (s for _, s in rows)), len(rows)),
        Breakdown("member_agencies", count(agencies, (a for f in cases for a in f.agencies)), None),
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


def shown(count: int) -> Cell:
    """A count as it may be shown: 1–4 as "<5"."""
    return SMALL if 0 < count < SMALLEST_SHOWN else count


def suppress(cells: Mapping[str, int], parts_of: int | None = None, *, total_hidden: bool = False
             ) -> dict[str, Cell]:
    """The cells as they may be shown.

    Primary: each count from 1 to 4 is "<5".  Secondary, for a breakdown that adds up to a total (``parts_of``):
    the total is treated as known whether or not it is shown here (the number of cases is shown anyway, and a
    sub-total is often a cell elsewhere), so while the total minus the cells shown pins a hidden cell down to one
    value — a "<5" is 1 to 4 and a ".." 5 or more, as anyone reading this rule knows — the smallest other non-zero
    cell is hidden too ("..", the first in order among equals).  One "<5" alone is always pinned; two whose sum is
    2 (or 8) are each 1 (or 4); a "<5" beside a ".." that add up to 6 are 1 and 5.  When no non-zero cell is left to
    hide and one is still pinned, every cell is hidden (".."): the breakdown then says nothing beyond its total.
    Under a total of 5 every non-zero cell is "<5" already and the total is itself shown as "<5".
    ``total_hidden``: the total is itself suppressed where it is shown (accepted cases, a cell of the eligibility
    breakdown): then at least one non-zero cell must be suppressed here too, or the cells would add up to it."""
    out: dict[str, Cell] = {key: shown(value) for key, value in cells.items()}
    if parts_of is None:
        return out
    others = [key for _, _, key in sorted((value, n, key) for n, (key, value) in enumerate(cells.items())
                                          if not isinstance(out[key], str) and value > 0)]
    if total_hidden:
        if others and sum(isinstance(v, str) for v in out.values()) < 2:   # its total is known only roughly
            out[others[0]] = HIDDEN
        return out
    if parts_of < SMALLEST_SHOWN:
        return out
    while _pinned(out, parts_of):
        if not others:
            return {key: HIDDEN for key in cells}
        out[others.pop(0)] = HIDDEN
    return out


def _pinned(out: Mapping[str, Cell], total: int) -> bool:
    """Whether the total minus the cells shown gives one hidden cell back exactly: each "<5" is 1 to 4, each ".."
    5 to the total."""
    hidden = [(1, SMALLEST_SHOWN - 1) if value == SMALL else (SMALLEST_SHOWN, total)
              for value in out.values() if isinstance(value, str)]
    if not hidden:
        return False
    rest = total - sum(value for value in out.values() if not isinstance(value, str))
    lows, highs = sum(lo for lo, _ in hidden), sum(hi for _, hi in hidden)
    return any(max(lo, rest - (highs - hi)) == min(hi, rest - (lows - lo)) for lo, hi in hidden)


def median_shown(days: Sequence[int]) -> float | None:
    """The median, over at least 5 cases; None (not shown) over fewer."""
    if len(days) < SMALLEST_SHOWN:
        return None
    return float(statistics.median(days))


def deidentify(raw: RawStatistics) -> dict[str, Any]:
    """What may leave: suppressed counts, and medians over 5 cases or more.  How many cases a median is over is not
    shown: it is a sum of cells (the decided cases: accepted and declined) that would give a suppressed one back."""
    published: dict[str, dict[str, Any]] = {}
    for b in raw.breakdowns:
        total: Cell | None = None if b.parts_of is None else shown(b.parts_of)
        if b.within is not None:   # its total is a cell of a breakdown before it: shown as that cell is
            total = published[b.within[0]]["cells"][b.within[1]]
        published[b.key] = {"total": total, "cells": suppress(b.cells, b.parts_of,
                                                              total_hidden=isinstance(total, str))}
    return {"cases": shown(raw.cases), "breakdowns": published,
            "medians": {name: median_shown(values) for name, values in raw.days.items()}}
