"""What each agency sees of one case, kept current event by event — the disclosure log's engine.

After each event, and at each calendar moment that passes (a consent's first
day, the end of its last day, the 18th birthday), the visible facts of every
agency are brought up to date and every change is returned as a
``VisibilityChange``.  Most events only add facts, and only those are judged;
an event that changes the rules' inputs (a consent, the group, custody) or a
calendar moment makes every fact be judged again, for the agencies it concerns
(a consent's scope, a membership's agency; custody and the calendar concern
everyone: see ``disclosure.concerned_by``).  The projections use this
same engine, so the stored disclosure log and the pure one cannot differ.
"""

from __future__ import annotations

from bisect import insort
from datetime import datetime
from typing import Any, Iterable, Iterator, Sequence

from domain.case_events import ConsentGranted, ConsentNarrowed, ConsentWithdrawn
from domain.case_rules import in_the_group
from domain.catalogue import Catalogue
from domain.disclosure import (
    EVERY_AGENCY, RECORDED, Cause, Disclosure, Judge, Replay, VisibilityChange, calendar_points, cause_of,
    moment_causes,
)
from domain.disclosure import concerned_by as _concerned
from domain.facts import VARIANT, Fact
from domain.judge import ConsentPicture
from domain.values import YOUNG_PERSON

AT_A_MOMENT = (Cause("calendar"),)   # a marker, by identity: the cause is named per agency afterwards (``_named``)


# The key of ``CaseVisibility.next_moments_by_agency`` for moments that concern every agency (no agency's id).
EVERY_AGENCY_KEY = "*"


def _concerned_by_moment(case: Any, at: datetime, consent_id: str | None, lead: str) -> set[str]:
    """The agencies whose view a calendar moment at ``at`` can change: the active members a consent names, and the
    lead (for a consent's first day or end, that consent; for the 18th birthday, a consent of the young person's in
    force then, as only hers ever discloses — from 18 alone, before with the guardians' —: one withdrawn, ended
    before or begun after changes nothing at it, and one beginning or ending at that very instant is named by its
    own moment there), withdrawn ones left out (they have no moments)."""
    if consent_id is None:
        consents = [c for c in case.consents.values() if c.consenter == YOUNG_PERSON and c.in_force_at(at)]
    else:
        consents = [case.consents[consent_id]]
    return {s.agency for c in consents for s in c.scope
            if s.categories and (s.agency == lead or in_the_group(case, s.agency))}


class LogFold:
    """A case's history folded once through the disclosure rules (``CaseVisibility``): its disclosure log up to a
    moment, then up to a later one from where the first left off, and the case and every fact after every stored
    event (``folded``) — what an auditor's answer shows beside the log, which was folded a second and a third time
    for it (the case's guardians, every fact, the stored log's comparison: each a fold of the whole history)."""

    def __init__(self, history: Sequence[Any], agencies: Iterable[str], catalogue: Catalogue) -> None:
        self.history, self.agencies, self.catalogue = history, tuple(agencies), catalogue
        self._tracker = CaseVisibility(catalogue, self.agencies)
        self._events: Iterator[Any] = iter(history)
        self._next: Any = next(self._events, None)
        self._changes: list[VisibilityChange] = []
        self._until: datetime | None = None
        self._past_the_log = False   # events folded beyond the log (``folded``): it can go no further

    def log(self, until: datetime) -> tuple[VisibilityChange, ...]:
        """Every moment up to ``until`` a fact became or stopped being visible to one of the agencies
        (``disclosure.disclosure_log``).  Folded on from the last answer's moment: the log up to a later moment
        begins with the log up to an earlier one (the events up to it, then its calendar moments, in time order).
        A moment before the last answer's (a clock behind an event's stamp), or one asked after ``folded``, is
        folded anew."""
        if self._past_the_log or (self._until is not None and until < self._until):
            return LogFold(self.history, self.agencies, self.catalogue).log(until)
        # As ``disclosure_log``: the events up to the first one stamped after ``until``, then the calendar's moments.
        while self._next is not None and self._next.timestamp <= until:
            event, self._next = self._next, next(self._events, None)
            self._changes.extend(self._tracker.apply(event))
        self._changes.extend(self._tracker.pass_time(until))
        self._until = until
        return tuple(self._changes)

    def folded(self) -> Replay:
        """The case folded through every stored event, whatever its stamp (as ``Replay`` folds it to the end): the
        events the log did not reach folded on, their facts made, without judging them for the log."""
        replay = self._tracker.replay
        while self._next is not None:
            event, self._next = self._next, next(self._events, None)
            self._past_the_log = True
            replay.apply(event)
        return replay


class CaseVisibility:
    def __init__(self, catalogue: Catalogue, agencies: Iterable[str]) -> None:
        self.replay = Replay((), catalogue)
        self.visible: dict[str, dict[str, Disclosure]] = {a: {} for a in agencies}
        self.last_at: datetime | None = None
        self.version = 0
        self._moments: list[datetime] = []   # calendar moments still ahead, in order
        # One judge per agency, with its consent answers per category: valid until a rule event that
        # concerns the agency or a calendar moment (then made anew).  Between those nothing a judge has
        # worked out can change.
        self._judges: dict[str, Judge] = {}

    def apply(self, event: Any) -> list[VisibilityChange]:
        """Fold the case's next event; the changes it (and any calendar moment before it) caused."""
        changes = self.pass_time(event.timestamp, including=False)
        concerned = _concerned(event, self.replay.case)  # read before the event changes the case
        points = calendar_points(event)
        new_facts = self.replay.fold(event, concerned, points)
        self.version = event.originator_version
        for moment in points:
            insort(self._moments, moment)
        at = event.timestamp
        if isinstance(event, (ConsentNarrowed, ConsentWithdrawn)):
            # A narrowing that ends a consent earlier leaves its old end behind, and a withdrawal its first day and
            # end: moments the case no longer has.  The calendar keeper, which records the case's own moments, would
            # never record them, and the case lists would keep them as due for ever — and fail closed, hiding the
            # case from every member.  The moments ahead are the case's own again (the keeper's
            # `calendar_moments`).
            self._moments = sorted({m.at for m in self.replay.case.calendar_moments() if m.at >= at})
        cause, due = cause_of(event), self._take_moments(at)
        # Earlier moments due now are this event's own (a consent whose first day began before it was granted):
        # its cause says it.  A moment at the event's very instant (the calendar keeper records it so) is named per
        # agency once the changes are known — the event only to the agencies it speaks for (a grant judges
        # everyone, its first day being a moment, yet speaks only for the agencies it names).
        at_a_moment = at in due
        speaks_for = frozenset(s.agency for s in event.scope) if isinstance(event, ConsentGranted) else concerned
        if due:
            concerned = EVERY_AGENCY
        judged = self._judge(at, new_facts, concerned, AT_A_MOMENT if at_a_moment else cause)
        changes.extend(self._named(judged, at, cause, speaks_for) if at_a_moment else judged)
        self.last_at = at
        return changes

    def pass_time(self, until: datetime, *, including: bool = True) -> list[VisibilityChange]:
        """The changes made by calendar moments up to ``until``, with no event recorded."""
        changes: list[VisibilityChange] = []
        while self._moments and (self._moments[0] <= until if including else self._moments[0] < until):
            moment = self._moments.pop(0)
            if self.last_at is None or moment > self.last_at:
                changes.extend(self._named(self._judge(moment, (), EVERY_AGENCY, AT_A_MOMENT), moment, RECORDED,
                                           None))
                self.last_at = moment
        return changes

    def next_moment(self) -> datetime | None:
        """When the calendar will next change what someone sees (None: never, by itself)."""
        return self._moments[0] if self._moments else None

    def moments_ahead(self) -> tuple[datetime, ...]:
        """The calendar moments still ahead, in order: when they change, so does what the lead's row says of them."""
        return tuple(self._moments)

    def next_moments_by_agency(self) -> dict[str, datetime]:
        """When the calendar will next change what each agency may see, under the agency's id: the first days and
        ends of the consents whose scope names it, and the 18th birthday where a consent of the young person's in
        force then names it — each only while it is an active member of the group, as consent discloses to no one
        else.  An agency with none has no moment ahead of its own: what it sees (its own facts, what a law carries
        to it) does not move with the calendar, and a moment withholding the case from it — its feed stopping short
        at midnight — would tell it the young person's birthday, or a consent's dates, after its consent was
        withdrawn, had ended or the case closed (a red team, 2026-12-06: until then the birthday was every agency's,
        and so was a consent's moment whoever it named).  A moment ahead that is no moment of the case's (none
        should be) counts for every agency (``EVERY_AGENCY_KEY``): when in doubt, every reader waits for the keeper."""
        case, lead = self.replay.case, self.replay.catalogue.lead_agency
        by_time: dict[datetime, set[str]] = {}
        for moment in case.calendar_moments() if case is not None and self._moments else ():
            by_time.setdefault(moment.at, set()).update(_concerned_by_moment(case, moment.at, moment.consent_id,
                                                                             lead))
        ahead: dict[str, datetime] = {}
        for at in self._moments:   # in time order: the first one each agency meets is its next
            for agency in by_time[at] if at in by_time else (EVERY_AGENCY_KEY,):
                ahead.setdefault(agency, at)
        return ahead

    def _named(self, changes: list[VisibilityChange], at: datetime, event_cause: tuple[Cause, ...],
               event_concerned: frozenset[str] | None) -> list[VisibilityChange]:
        """``changes`` judged at a calendar moment, each (but a new fact's disclosure) given its own agency's cause:
        the event at that instant if it concerned the agency, and the moments that speak for the agency.  Worked
        out only for the changes there are (most moments change nothing)."""
        case, named, by_agency = self.replay.case, [], {}
        at_instant = [m for m in case.calendar_moments() if m.at == at] if changes and case is not None else []
        for change in changes:
            if change.cause is not AT_A_MOMENT:
                named.append(change)
                continue
            cause = by_agency.get(change.agency)
            if cause is None:
                ours = event_cause is not RECORDED and event_concerned is not None and (
                    event_concerned is EVERY_AGENCY or change.agency in event_concerned)
                moments = moment_causes(case, at_instant, change.agency)
                if ours and moments == (Cause("calendar"),):
                    moments = ()   # the event alone: no moment at this instant speaks for the agency
                cause = by_agency[change.agency] = (event_cause if ours else ()) + moments
            named.append(change._replace(cause=cause))
        return named

    def _take_moments(self, at: datetime) -> list[datetime]:
        due = []
        while self._moments and self._moments[0] <= at:
            due.append(self._moments.pop(0))
        return due

    def _judge(self, at: datetime, new_facts: tuple[Fact, ...], concerned: frozenset[str] | None,
               cause: tuple[Cause, ...]) -> list[VisibilityChange]:
        """Every fact judged again for the agencies the rules' change concerns; for the others only the new
        facts, as nothing they could see has changed.  Agencies in catalogue order, as the log is kept.  A new
        fact's disclosure is caused by its recording; every other change by ``cause``."""
        changes: list[VisibilityChange] = []
        case = self.replay.case
        if case is None:
            return changes
        every = concerned is EVERY_AGENCY
        new_ids = {f.fact_id for f in new_facts} if concerned is not None else set()
        picture = ConsentPicture(case, at)   # the case's consents at ``at``, the same for every agency's judge
        for agency, visible in self.visible.items():
            if (every or (concerned is not None and agency in concerned)) and not self._outside_still(case, agency):
                judge = self._judges[agency] = Judge(case, agency, at, self.replay.catalogue, {}, picture)
                # Keyed as shown: a row shown with names withheld is a fact of its own (``withheld_variant``).
                now = {d.fact.fact_id: d for f in self.replay.facts if (d := judge.disclosure(f)) is not None}
                changes.extend(_diff(visible, now, agency, at, cause, new_ids))
                self.visible[agency] = now
            elif new_facts:
                judge = self._judges.get(agency)
                if judge is None:
                    judge = self._judges[agency] = Judge(case, agency, at, self.replay.catalogue, {}, picture)
                judge.moved_to(case, at, picture)  # no rule event concerned this agency: its answers still hold
                for f in new_facts:
                    d = judge.disclosure(f)
                    if d is not None:
                        visible[d.fact.fact_id] = d
                        changes.append(VisibilityChange(at, agency, d.fact, "disclosed", d.basis, RECORDED))
        return changes

    def _outside_still(self, case: Any, agency: str) -> bool:
        """Whether ``agency`` was outside the group when its judge was made and is still: what it sees then hangs on
        the facts alone (its own, what a law carries, each fact's audience and recording day), never on a consent,
        custody or the calendar, which reach active members only — judging every fact again would find what its view
        holds.  Its membership changes only by an event that concerns it (a join, a leave, the closure of a case it
        is in), which makes its judge anew, so the judge's ``is_member`` is what held since."""
        judge = self._judges.get(agency)
        return (judge is not None and not judge.is_member and agency != self.replay.catalogue.lead_agency
                and not in_the_group(case, agency))


def _diff(before: dict[str, Disclosure], now: dict[str, Disclosure], agency: str, at: datetime,
          cause: tuple[Cause, ...], new_ids: set[str]) -> list[VisibilityChange]:
    changes = []
    for fact_id, d in now.items():
        old = before.get(fact_id)
        if old is None:
            why = RECORDED if d.fact.fact_id.partition(VARIANT)[0] in new_ids else cause
            changes.append(VisibilityChange(at, agency, d.fact, "disclosed", d.basis, why))
        elif old.basis is not d.basis and old.basis != d.basis:   # one basis object is shared by many facts
            changes.append(VisibilityChange(at, agency, d.fact, "basis_changed", d.basis, cause))
    changes.extend(VisibilityChange(at, agency, d.fact, "ended", d.basis, cause)
                   for fact_id, d in before.items() if fact_id not in now)
    return changes
