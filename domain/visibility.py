"""What each agency sees of one case, kept current event by event — the disclosure log's engine.

After each event, and at each calendar moment that passes (a consent's first
day, the end of its last day, the 18th birthday), the visible facts of every
agency are brought up to date and every change is returned as a
``VisibilityChange``.  Most events only add facts, and only those are judged;
an event that changes the rules' inputs (a consent, the group, custody) or a
calendar moment makes every fact be judged again.  The projections use this
same engine, so the stored disclosure log and the pure one cannot differ.
"""

from __future__ import annotations

from bisect import insort
from datetime import datetime
from typing import Any, Iterable

from domain.case_events import (
    ConsentGranted, ConsentNarrowed, ConsentWithdrawn, GuardiansRecorded, MemberJoined, MemberLeft,
)
from domain.catalogue import Catalogue
from domain.disclosure import Disclosure, Judge, Replay, VisibilityChange, calendar_points
from domain.facts import Fact

RULE_EVENTS = (ConsentGranted, ConsentNarrowed, ConsentWithdrawn, GuardiansRecorded, MemberJoined, MemberLeft)


class CaseVisibility:
    def __init__(self, catalogue: Catalogue, agencies: Iterable[str]) -> None:
        self.replay = Replay((), catalogue)
        self.visible: dict[str, dict[str, Disclosure]] = {a: {} for a in agencies}
        self.last_at: datetime | None = None
        self.version = 0
        self._moments: list[datetime] = []   # calendar moments still ahead, in order
        # One judge per agency, with its consent answers per category: valid until a rule event or a
        # calendar moment (then made anew).  Between those nothing a judge has worked out can change.
        self._judges: list[tuple[str, Judge]] | None = None

    def apply(self, event: Any) -> list[VisibilityChange]:
        """Fold the case's next event; the changes it (and any calendar moment before it) caused."""
        changes = self.pass_time(event.timestamp, including=False)
        new_facts = self.replay.apply(event)
        self.version = event.originator_version
        for moment in calendar_points(event):
            insort(self._moments, moment)
        at = event.timestamp
        due = self._take_moments(at)
        if isinstance(event, RULE_EVENTS) or due:
            changes.extend(self._judge_all(at))
        else:
            changes.extend(self._judge_new(new_facts, at))
        self.last_at = at
        return changes

    def pass_time(self, until: datetime, *, including: bool = True) -> list[VisibilityChange]:
        """The changes made by calendar moments up to ``until``, with no event recorded."""
        changes: list[VisibilityChange] = []
        while self._moments and (self._moments[0] <= until if including else self._moments[0] < until):
            moment = self._moments.pop(0)
            if self.last_at is None or moment > self.last_at:
                changes.extend(self._judge_all(moment))
                self.last_at = moment
        return changes

    def next_moment(self) -> datetime | None:
        """When the calendar will next change what someone sees (None: never, by itself)."""
        return self._moments[0] if self._moments else None

    def _take_moments(self, at: datetime) -> bool:
        due = False
        while self._moments and self._moments[0] <= at:
            self._moments.pop(0)
            due = True
        return due

    def _judge_all(self, at: datetime) -> list[VisibilityChange]:
        changes: list[VisibilityChange] = []
        self._judges = None  # the rules' inputs changed: nothing judged before holds
        for agency, judge in self._judges_at(at):
            basis_for = judge.basis_for
            now = {f.fact_id: Disclosure(f, b) for f in self.replay.facts if (b := basis_for(f)) is not None}
            changes.extend(_diff(self.visible[agency], now, agency, at))
            self.visible[agency] = now
        return changes

    def _judge_new(self, facts: tuple[Fact, ...], at: datetime) -> list[VisibilityChange]:
        changes: list[VisibilityChange] = []
        if not facts:
            return changes
        for agency, judge in self._judges_at(at):
            visible = self.visible[agency]
            for f in facts:
                basis = judge.basis_for(f)
                if basis is not None:
                    visible[f.fact_id] = Disclosure(f, basis)
                    changes.append(VisibilityChange(at, agency, f, "disclosed", basis))
        return changes

    def _judges_at(self, at: datetime) -> list[tuple[str, Judge]]:
        """The agencies' judges, judging at ``at`` (what ``Replay.visible_to`` would make, kept between events)."""
        case = self.replay.case
        if case is None:
            return []
        if self._judges is None:
            self._judges = [(agency, Judge(case, agency, at, self.replay.catalogue, {})) for agency in self.visible]
        for _, judge in self._judges:
            judge.case, judge.at = case, at
        return self._judges


def _diff(before: dict[str, Disclosure], now: dict[str, Disclosure], agency: str,
          at: datetime) -> list[VisibilityChange]:
    changes = []
    for fact_id, d in now.items():
        old = before.get(fact_id)
        if old is None:
            changes.append(VisibilityChange(at, agency, d.fact, "disclosed", d.basis))
        elif old.basis != d.basis:
            changes.append(VisibilityChange(at, agency, d.fact, "basis_changed", d.basis))
    changes.extend(VisibilityChange(at, agency, d.fact, "ended", d.basis)
                   for fact_id, d in before.items() if fact_id not in now)
    return changes
