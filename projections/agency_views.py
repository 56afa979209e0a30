"""The agency views: for every agency, the facts of each case it may see now, and the disclosure log.

Built only from the case events, through the disclosure rules' own engine
(``domain.visibility``).  This module decides *what* changes; a view store
writes the changes and the tracking position in one transaction.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Callable, Iterable, Sequence
from uuid import UUID

from domain.case_events import CaseClosed, CaseEvent, MemberJoined, MemberLeft, ReferralReceived
from domain.case_rules import in_the_group
from domain.catalogue import Catalogue
from domain.disclosure import VisibilityChange
from domain.erasure import ErasedEvent
from domain.errors import CaseErased
from domain.visibility import CaseVisibility
from projections.agency_queries import next_meeting, protected_personal_data

NAME = "agency_views"
CACHE_SIZE = 5_000

# History of a case up to and including a version: how a case is brought back after a restart.
HistoryLoader = Callable[[UUID, int], Sequence[Any]]


@dataclass(frozen=True)
class CaseSummary:
    """One line of an agency's case list, from what it may see."""

    case_number: str | None
    phase: str | None
    next_meeting: date | None
    plan_revision: int | None
    facts: int
    consents_in_force: int | None = None   # the lead agency only
    next_consent_end: date | None = None   # the lead agency only
    next_calendar_moment: datetime | None = None  # the lead agency only: when the calendar keeper is due
    # The lead agency's row only: when the calendar next changes what each agency may see (``"*"``: every
    # agency), ISO times.  Until the keeper has recorded it, that agency's feed and list withhold the case — and
    # only that agency's: another's consent ending must not show in what a member is shown.
    calendar_by_agency: dict[str, str] | None = None
    # The current plan's rows this agency sees, counted by their latest follow-up's status (of the follow-ups it
    # sees; "none": not followed up yet), e.g. {"achieved": 1, "none": 1}; None without a plan row to see.
    plan_follow_up: dict[str, int] | None = None
    # Skyddade personuppgifter as the agency sees them (``agency_queries.protected_personal_data``): {kind, since}
    # or None.  Lists are read over shoulders: a list shows a protected case by its number and a marker.
    protected_personal_data: dict[str, Any] | None = None


@dataclass
class ViewUpdate:
    log: list[tuple[UUID, VisibilityChange, int]] = field(default_factory=list)   # case, change, position
    summaries: dict[tuple[str, UUID], CaseSummary | None] = field(default_factory=dict)
    erased: set[UUID] = field(default_factory=set)
    municipalities: dict[UUID, str] = field(default_factory=dict)  # cases referred in the batch: where they belong

    def earliest_moment(self, lead: str) -> datetime | None:
        """The earliest calendar moment ahead among the lead's case-list rows in the update (None: none): when the
        calendar keeper is due next, of what it judged."""
        ahead = [s.next_calendar_moment for (agency, _), s in self.summaries.items()
                 if agency == lead and s is not None and s.next_calendar_moment is not None]
        return min(ahead) if ahead else None

    def final_facts(self) -> dict[UUID, dict[tuple[str, str], tuple[VisibilityChange, datetime | None] | None]]:
        """Per case, per (agency, fact id): the last change that shows the fact (its fact and basis) and since
        when it is visible (None: keep the stored time), or None when it is no longer visible — the last
        change in the batch wins.  A fact first disclosed in the batch and ended in it too is left out: it was
        not in the view before the batch (a view holds what its agency sees), so there is nothing to remove."""
        final: dict[UUID, dict[tuple[str, str], tuple[VisibilityChange, datetime | None] | None]] = {}
        first_shown: dict[UUID, set[tuple[str, str]]] = {}   # per case, (agency, fact) first shown in this batch
        last = None
        for case_id, change, _ in self.log:
            if case_id is not last:   # changes come in runs of one case: a UUID is hashed in Python, once a run
                last, facts, new_here = case_id, final.setdefault(case_id, {}), first_shown.setdefault(case_id, set())
            key = (change.agency, change.fact.fact_id)
            what = change.change
            if what == "disclosed":
                if key not in facts:
                    new_here.add(key)
                facts[key] = (change, change.at)
            elif what == "ended":
                if key in new_here:
                    del facts[key]
                    new_here.discard(key)   # shown again later in the batch: new once more
                else:
                    facts[key] = None
            else:
                earlier = facts.get(key)
                facts[key] = (change, earlier[1] if earlier else None)
        return final


class AgencyViews:
    def __init__(self, catalogue: Catalogue, load_history: HistoryLoader) -> None:
        self.catalogue, self._load = catalogue, load_history
        self.agencies = tuple(catalogue.agencies)
        self._cases: OrderedDict[UUID, CaseVisibility] = OrderedDict()
        # ``forget`` is called from the key listener's thread: the folds kept, and the cases forgotten while a fold
        # of theirs was being made (it is then not kept), are changed under this lock.
        self._lock = threading.Lock()
        self._forgotten: set[UUID] = set()

    def reset(self) -> None:
        with self._lock:
            self._cases.clear()

    def forget(self, case_id: UUID) -> None:
        """The case's key was destroyed (erased): its fold — the young person's name and personnummer among its
        facts — leaves memory now, not when other cases push it out.  Erasure is no event, so no batch would."""
        with self._lock:
            self._cases.pop(case_id, None)
            self._forgotten.add(case_id)

    def process(self, batch: Iterable[tuple[int, Any]]) -> ViewUpdate:
        """The view changes for a batch of (notification id, event), in notification order."""
        update = ViewUpdate()
        touched: dict[UUID, set[str]] = {}
        ids: dict[UUID, UUID] = {}
        log = update.log
        for position, event in batch:
            if isinstance(event, ErasedEvent):
                self._cases.pop(event.originator_id, None)
                update.erased.add(event.originator_id)
            elif isinstance(event, (ReferralReceived, CaseEvent)):
                try:
                    tracker = self._tracker(event)
                    ahead = tracker.moments_ahead()
                    changes = tracker.apply(event)
                except CaseErased:  # its key was destroyed since: its history reads as tombstones
                    self._cases.pop(event.originator_id, None)
                    update.erased.add(event.originator_id)
                    continue
                # One id object per case in the batch: the store tells runs of a case apart by identity.
                case_id = ids.setdefault(event.originator_id, event.originator_id)
                if isinstance(event, ReferralReceived):
                    update.municipalities[case_id] = event.municipality
                seen_by = touched.get(case_id)
                if seen_by is None:
                    seen_by = touched[case_id] = set()
                for change in changes:   # one pass: a withdrawal makes ~100
                    log.append((case_id, change, position))
                    seen_by.add(change.agency)
                if isinstance(event, (MemberJoined, MemberLeft)):
                    touched[case_id].add(event.agency)  # its case list changes, seen facts or not
                elif isinstance(event, CaseClosed):
                    touched[case_id].update(tracker.replay.case.members)  # every member's list drops the case
                if tracker.moments_ahead() != ahead:
                    # The lead's row holds the case's calendar (the keeper's due cases, every agency's withholding).
                    # A moment that passed inside an event the lead sees nothing of (a member's own note) changes
                    # no fact of the lead's, yet left its row as it was: the passed moment stayed "due" for ever,
                    # the keeper finding nothing to record, and the lead's and that agency's feeds withheld the case.
                    touched[case_id].add(self.catalogue.lead_agency)
        self._summarise(update, touched)
        return update

    def _tracker(self, event: Any) -> CaseVisibility:
        case_id, version = event.originator_id, event.originator_version
        with self._lock:
            tracker = self._cases.pop(case_id, None)
            self._forgotten.discard(case_id)
        if tracker is None or tracker.version != version - 1:
            tracker = CaseVisibility(self.catalogue, self.agencies)
            for earlier in self._load(case_id, version - 1):
                tracker.apply(earlier)  # already in the views: only the state is wanted
        with self._lock:
            if case_id not in self._forgotten:   # erased while it was being folded: judged, and not kept
                self._cases[case_id] = tracker
            while len(self._cases) > CACHE_SIZE:
                self._cases.popitem(last=False)
        return tracker

    def _summarise(self, update: ViewUpdate, touched: dict[UUID, set[str]]) -> None:
        """Once per batch for each case and agency whose view changed (not once per event)."""
        for case_id, agencies in touched.items():
            tracker = self._cases.get(case_id)
            for agency in agencies if tracker is not None else ():
                update.summaries[(agency, case_id)] = summarise(tracker, agency, self.catalogue.lead_agency)


def summarise(tracker: CaseVisibility, agency: str, lead: str) -> CaseSummary | None:
    """What the agency's case list says of the case; None when it may see nothing of it."""
    visible = [d.fact for d in tracker.visible[agency].values()]
    case = tracker.replay.case
    if not visible or (agency != lead and not in_the_group(case, agency)):
        # An agency outside the group has no case to list, nor has a member once the group's work ended with the
        # case (rules version 7): its own facts stay in its view (and its feed).
        return None
    by_kind: dict[str, list] = {}
    for fact in visible:
        by_kind.setdefault(fact.kind, []).append(fact)
    plans = [f.content["revision"] for f in by_kind.get("plan.goal", [])]
    summary = CaseSummary(
        case_number=next((f.content["case_number"] for f in by_kind.get("case.opened", [])), None),
        phase=phase_of_kinds(by_kind, in_the_group=agency != lead),
        next_meeting=_next_meeting_day(by_kind),
        plan_revision=max(plans) if plans else None, facts=len(visible),
        plan_follow_up=_plan_follow_up(by_kind), protected_personal_data=protected_personal_data(by_kind.get("case.protected", ())))
    if agency != lead:
        return summary
    at = tracker.last_at
    in_force = [c for c in case.consents.values() if at is not None and c.in_force_at(at)]
    ends = [c.valid_until for c in in_force if c.valid_until is not None]
    return CaseSummary(**{**vars(summary), "consents_in_force": len(in_force),
                          "next_consent_end": min(ends) if ends else None,
                          "next_calendar_moment": tracker.next_moment(),
                          "calendar_by_agency": {agency: at.isoformat()
                                                 for agency, at in tracker.next_moments_by_agency().items()}})


def _next_meeting_day(by_kind: dict[str, list]) -> date | None:
    planned = next_meeting([*by_kind.get("meeting", ()), *by_kind.get("meeting.scheduled", ())])
    return None if planned is None else planned.on


def _plan_follow_up(by_kind: dict[str, list]) -> dict[str, int] | None:
    """The rows of the latest plan revision seen, by their latest follow-up's status (of the follow-ups seen).
    The latest revision is the plan's own (its goal) when seen: rows of an older revision are no longer the
    plan, even where the agency sees none of the new one's."""
    rows = by_kind.get("plan.row", [])
    goals = [f.content["revision"] for f in by_kind.get("plan.goal", [])]
    current = max(goals) if goals else max((f.content["revision"] for f in rows), default=None)
    rows = [f for f in rows if f.content["revision"] == current]
    if not rows:
        return None
    latest: dict[str, str] = {}
    for f in sorted(by_kind.get("follow_up", []), key=lambda f: f.version):
        latest[f.content["row_id"]] = f.content["status"]
    counts: dict[str, int] = {}
    for f in rows:
        status = latest.get(f.content["row_id"], "none")
        counts[status] = counts.get(status, 0) + 1
    return dict(sorted(counts.items()))


def phase_of_kinds(by_kind: dict[str, list], *, in_the_group: bool = False) -> str | None:
    """The phase as far as the facts seen tell it (facts by kind, in order): the case list's, and the web client's
    case head's.  A plan row alone does not tell it: its category may be the reader's (`school`) where the plan's
    goal, which says the group works, is `case` (the head said "pågående insats" where the list said nothing).

    ``in_the_group``: the reader is a member of the group, which is formed only for a case found eligible
    (``check_accepted``): seeing the case (`case`), it knows that much, though the decision (an assessment) is no
    fact it sees — a school in the group read "aktualiserad", as if the case were still being assessed."""
    if "case.closed" in by_kind:
        return "closed"
    if "plan.goal" in by_kind:
        return "active"
    decisions = by_kind.get("eligibility", [])
    if decisions:
        return "accepted" if decisions[-1].content["accepted"] else "declined"
    if "case.opened" not in by_kind:
        return None   # the phase is the case's (`case`): not the reader's to know, in the group or not
    return "accepted" if in_the_group else "referred"
