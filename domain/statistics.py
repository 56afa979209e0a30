"""De-identified follow-up statistics (uppföljningsstatistik): counts and medians over a municipality's cases.

Pure functions, in three steps, the first two here:

1. ``figures_of(events)``: what one case's history says that statistics may count — its entry route, age at
   referral, sex (kön, from the personnummer inside the sealed referral: ``sex_of``), eligibility, days to a
   decision, a plan and a closure, the latest plan's rows (category, the latest follow-up social services recorded)
   and whether the young person took part in drawing it up, the agencies that were members, consents granted and
   withdrawn, the meetings social services recorded (not a member's follow-ups or meetings: ``figures_of``).  No
   id, number, name, personnummer, free text or date leaves it except the dates the period rule and the medians
   need, which ``tabulate`` turns into counts and day differences.
2. ``tabulate(figures, start, end)``: the raw counts and day lists of the cases **referred in the period**: a
   case belongs to the period when the date on its referral (``referral_date``, the day social services received
   it, not the day it was typed in) lies from ``start`` to ``end``, both included.  Everything later that happened
   to those cases (a decision, a plan, a closure) counts as it stands when the statistics are made, whenever it
   happened: a cohort followed up, whose figures grow as its cases move on.
3. ``deidentify(raw)`` (``domain.statistics_reader``): what may be shown — each count from 1 to 4 as "<5"
   (``domain.suppression.suppress``), a median only over 5 cases or more, and in a breakdown that adds up to a known
   total, another cell hidden ("..") whenever a suppressed one would otherwise be pinned down by the total minus the
   cells shown, within the bounds other breakdowns set on it (``suppress``, ``Breakdown.bounds``), so that it cannot
   be given back; a breakdown of a cell that is itself suppressed shows none of its cells. Then everything shown is
   read at once, as a reader knowing the domain's rules would (``_Reader``), and while a hidden count can still be
   worked out exactly, one more cell is hidden — where every cell of its breakdown is hidden already, the cell of
   another breakdown that bounds it — until none can (a fixpoint over all breakdowns).

The period is a whole calendar year (``check_calendar_year``): any two periods of which one holds the other, or
that overlap, would give the cases referred in their difference — a month, or one day — exactly, unsuppressed.

Erased cases cannot be read (their key is destroyed): they are in none of the figures; the caller counts them.
"""


from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Iterable, Sequence

from domain import case_events as ev
from domain.calendar import age_on, local_date
from domain.case import TARGET_AGES
from domain.errors import PeriodNotACalendarYear
from domain.identity import PersonalIdentityNumber
from domain.suppression import SMALLEST_SHOWN, Breakdown, RawStatistics
from domain.values import ClosureReason, EntryRoute, FollowUpStatus

AGE_BANDS = ("under_15", "15_17", "18_20", "21_over")
DECISIONS = ("accepted", "declined", "pending")
TARGET_GROUP = ("inside", "outside")
# Kön as the personnummer gives it (the legal sex), in the words of Socialstyrelsen's statistics on children and young
# people: flickor, pojkar.  Only ever a count: it is worked out here, in memory, from the decrypted referral, and
# never stored, logged or put in an id.
SEXES = ("girls", "boys")
# Whether the young person took part in drawing up the case's latest plan revision (not recorded: a revision stored
# before it was asked, or recorded without it).
PARTICIPATION = ("with_young_person", "without_young_person", "not_recorded")
NOT_FOLLOWED_UP = "not_followed_up"
FOLLOW_UPS = tuple(s.value for s in FollowUpStatus) + (NOT_FOLLOWED_UP,)


@dataclass(frozen=True)
class CaseFigures:
    """One case as statistics count it."""

    referral_date: date
    entry_route: str
    age_at_referral: int
    decision: str                       # accepted | declined | pending
    outside_target_group: bool          # accepted, and outside 15–25 on the decision's day (a reason recorded)
    decided_on: date | None
    first_plan_on: date | None          # the day (Swedish time) the first action plan was recorded
    closed_on: date | None              # the day (Swedish time) the case was closed
    closure_reason: str | None
    sex: str                            # one of SEXES, from the personnummer (``sex_of``)
    plan_rows: tuple[tuple[str, str], ...] = ()   # the latest plan's rows: (category, social services' latest
    #                                               follow-up status, or NOT_FOLLOWED_UP: ``figures_of``)
    agencies: frozenset[str] = frozenset()        # every agency that was ever a member of the group
    consents_granted: int = 0
    consents_withdrawn: int = 0
    meetings: int = 0                            # the meetings social services recorded (``figures_of``)
    plan_participation: str | None = None        # the latest plan's: one of PARTICIPATION; None without a plan
    group_formed_on: date | None = None          # the day (Swedish time) the first member joined the group


def figures_of(events: Sequence[Any]) -> CaseFigures:
    """Fold one case's events (as stored, in order; the first its referral) into what statistics count.

    Meetings: only those social services recorded.  A member's record of a meeting is that member's information
    (``facts._meeting``), which reaches social services — the statistics' reader — only through consent: counted,
    a meeting social services may not see moved the meetings per case, and the suppression, which reads counts
    and not whose they are, could not hide it.  Social services leads the group's network meetings and records
    them, so its own are the figure; what a member's consent lets it see of the others is left out rather than
    judged per case, so that the figure is the same whenever the year is run and whoever reads it.

    Follow-ups of the plan's rows alike: a row's status is the latest follow-up social services recorded, and a row
    only members followed up is not followed up.  A member's follow-up is its own information (``facts._follow_up``:
    its origin, not the lead's administration); counted, the school's "achieved" on a row moved social services'
    figures by a fact its views do not show.  Social services follows up the plan it leads (any row, where a member
    only its own), so its follow-ups are the figure."""
    opened = events[0]
    if not isinstance(opened, ev.ReferralReceived):
        raise ValueError("a case's history starts with its referral")
    lead = opened.recorded_by.agency   # social services: only it opens a case (``Case.receive_referral``)
    number = PersonalIdentityNumber(opened.subject.personnummer)
    born = number.birth_date
    decision, outside, decided_on = "pending", False, None
    first_plan_on = closed_on = closure_reason = participation = group_formed_on = None
    rows: dict[str, str] = {}              # the latest plan's rows: row id -> category
    statuses: dict[str, str] = {}          # row id -> its latest follow-up status
    agencies: set[str] = set()
    granted = withdrawn = meetings = 0
    for event in events[1:]:
        if isinstance(event, ev.EligibilityDecided):
            decision = "accepted" if event.accepted else "declined"
            # The age on the decision's day, as the domain's rule reads it: a reason is taken for any
            # acceptance, so one recorded for a 16-year-old does not put them outside the target group.
            outside = event.accepted and age_on(born, event.decided_on) not in TARGET_AGES
            decided_on = event.decided_on
        elif isinstance(event, ev.PlanRevised):
            first_plan_on = first_plan_on or local_date(event.timestamp)
            rows = {row.row_id: row.category for row in event.rows}
            participation = _participation(event)
        elif isinstance(event, ev.FollowUpRecorded) and event.agency == lead:   # the fact's origin
            statuses[event.row_id] = event.status
        elif isinstance(event, ev.MemberJoined):
            agencies.add(event.agency)
            group_formed_on = group_formed_on or local_date(event.timestamp)
        elif isinstance(event, ev.ConsentGranted):
            granted += 1
        elif isinstance(event, ev.ConsentWithdrawn):
            withdrawn += 1
        elif isinstance(event, ev.MeetingHeld) and event.recorded_by.agency == lead:
            meetings += 1
        elif isinstance(event, ev.CaseClosed):
            closed_on, closure_reason = local_date(event.timestamp), event.reason
    return CaseFigures(
        referral_date=opened.referral_date, entry_route=opened.entry_route,
        age_at_referral=age_on(born, opened.referral_date), decision=decision, outside_target_group=outside,
        decided_on=decided_on, first_plan_on=first_plan_on, closed_on=closed_on, closure_reason=closure_reason,
        sex=sex_of(number),
        plan_rows=tuple((category, statuses.get(row_id, NOT_FOLLOWED_UP)) for row_id, category in rows.items()),
        agencies=frozenset(agencies), consents_granted=granted, consents_withdrawn=withdrawn, meetings=meetings,
        plan_participation=participation, group_formed_on=group_formed_on)


def sex_of(number: PersonalIdentityNumber) -> str:
    """Kön as a personnummer or samordningsnummer tells it: the second-to-last of its last four digits (the ninth of
    YYMMDD-NNNC) is odd for a man or boy, even for a woman or girl."""
    return "boys" if int(number.digits[10]) % 2 else "girls"


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
    sexes = count(SEXES, (f.sex for f in cases))
    accepted_sexes = count(SEXES, (f.sex for f in accepted))
    links = _Links(len(cases), routes, ages, decisions, reasons, members, len(with_plan), len(rows), sexes,
                   accepted_sexes)
    breakdowns = (
        Breakdown("entry_route", routes, len(cases), bounds=links.of_routes(), total_name="cases"),
        Breakdown("age_at_referral", ages, len(cases), bounds=links.of_ages(), total_name="cases"),
        Breakdown("sex", sexes, len(cases), bounds=links.of_sexes(), total_name="cases"),
        Breakdown("eligibility", decisions, len(cases), bounds=links.of_decisions(), total_name="cases"),
        # The accepted cases by sex: shown (or hidden) as the "aktuell" cell is; each at most the cases of that
        # sex, and the difference — those of a sex not found aktuell — is a count no table shows but a reader can
        # work out (``statistics_reader._UNSHOWN``), protected as a "<5" is.
        # Hidden whole while the cases of a sex are 1-4 (``Breakdown.rows_of``): a 0 there told those few's decision.
        Breakdown("accepted_by_sex", accepted_sexes, len(accepted), ("eligibility", "accepted"),
                  links.of_accepted_sexes(), rows_of="sex"),
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
    # Each median is over a set whose size another figure tells already (``statistics_reader._MEDIAN_OVER``): the
    # decided, the cases with a plan, the groups, the closed, the accepted.
    days = {
        "referral_to_decision": [(f.decided_on - f.referral_date).days for f in cases if f.decided_on],
        "referral_to_group": [(f.group_formed_on - f.referral_date).days for f in with_group if f.group_formed_on],
        "referral_to_first_plan": [(f.first_plan_on - f.referral_date).days for f in with_plan],
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
    referral concerns someone under 18; the accepted of a sex are at most the cases of that sex; the median of days
    to the decision is shown only over 5 decided cases.
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
    sexes: dict[str, int]
    accepted_sexes: dict[str, int]

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

    def of_sexes(self) -> dict[str, tuple[int, int]]:
        return {sex: (_low(self.accepted_sexes[sex]), self.cases) for sex in SEXES}

    def of_accepted_sexes(self) -> dict[str, tuple[int, int]]:
        return {sex: (0, _high(self.sexes[sex])) for sex in SEXES}

    def of_plans(self) -> dict[str, tuple[int, int]]:
        return {"with_plan": (_low(self._reason(ClosureReason.GOALS_MET)), _high(self.rows))}

    def of_reasons(self) -> dict[str, tuple[int, int]]:
        return {ClosureReason.NOT_ELIGIBLE.value: (0, _high(self.decisions["declined"])),
                ClosureReason.GOALS_MET.value: (0, _high(self.with_plan))}

