"""What an agency's view answers, from the facts stored for it: the questions of issue 3, one function each.

Every item keeps its ``basis``: which consent or law lets the agency see it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Iterable, Protocol, Sequence

from domain.judge import Disclosure
from domain.facts import fact_order
from domain.values import plans_anew


class VisibleFact(Protocol):
    fact_id: str
    version: int
    kind: str
    category: str
    origin: str
    basis: Any
    content: dict[str, Any]


class SeenFact:
    """A disclosure (from the rules, not the stored view) in the shape these queries take."""

    def __init__(self, disclosure: Disclosure) -> None:
        self.disclosure, self.fact, self.basis = disclosure, disclosure.fact, disclosure.basis
        self.fact_id, self.version, self.kind = self.fact.fact_id, self.fact.version, self.fact.kind
        self.category, self.origin, self.content = self.fact.category, self.fact.origin, self.fact.content


def seen(disclosures: Iterable[Disclosure]) -> list[SeenFact]:
    return [SeenFact(d) for d in disclosures]


@dataclass(frozen=True)
class Plan:
    revision: int                  # the plan's own number: inside only (it counts revisions a member may not see)
    main_goal: str | None          # None when the agency may not see the main goal (`case`)
    rows: tuple[VisibleFact, ...]  # only the rows it may see
    number: int = 0                # the reader's: how many revisions it sees anything of, up to this one
    # Who drew the revision up (``domain.facts.participation_content``), from its goal: empty when the agency may
    # not see the goal.  A goal stored in a view before it was recorded has no such keys: read with ``get``.
    participation: dict[str, Any] = field(default_factory=dict)
    goal_basis: Any = None         # why the agency sees the main goal; None with the goal unseen


@dataclass(frozen=True)
class Meeting:
    meeting_id: str
    held_on: str
    parts: tuple[VisibleFact, ...]  # the meeting itself, attendees, outcomes, decisions it may see


def timeline(facts: Sequence[VisibleFact]) -> list[VisibleFact]:
    """Everything the agency may see of the case, in the order it happened."""
    return sorted(facts, key=fact_order)


def current_plan(facts: Sequence[VisibleFact]) -> Plan | None:
    """The latest revision of the action plan, with the rows the agency may see."""
    plan_facts = [f for f in facts if f.kind in ("plan.goal", "plan.row")]
    if not plan_facts:
        return None
    revision = max(f.content["revision"] for f in plan_facts)
    current = [f for f in plan_facts if f.content["revision"] == revision]
    goal_fact = next((f for f in current if f.kind == "plan.goal"), None)
    goal = None if goal_fact is None else goal_fact.content
    rows = tuple(sorted((f for f in current if f.kind == "plan.row"), key=lambda f: f.content["position"]))
    return Plan(revision, None if goal is None else goal["main_goal"], rows,
                len({f.content["revision"] for f in plan_facts}), _participation(goal),
                None if goal_fact is None else goal_fact.basis)


def _participation(goal: Any) -> dict[str, Any]:
    if goal is None:
        return {}
    return {"young_person_took_part": goal.get("young_person_took_part"),
            "guardians_took_part": list(goal.get("guardians_took_part") or ()),
            "not_taking_part_reason": goal.get("not_taking_part_reason")}


# A held meeting's facts, grouped by its meeting id; `meeting.scheduled` is no meeting held (it has no id).
MEETING_PARTS = frozenset({"meeting", "meeting.attendee", "meeting.outcome", "meeting.decision"})


def meetings(facts: Sequence[VisibleFact]) -> list[Meeting]:
    """The meetings the agency may know of, each with the parts it may see."""
    grouped: dict[str, list[VisibleFact]] = {}
    for f in facts:
        if f.kind in MEETING_PARTS:
            grouped.setdefault(f.content["meeting_id"], []).append(f)
    return sorted((Meeting(mid, str(parts[0].content["held_on"]), tuple(timeline(parts)))
                   for mid, parts in grouped.items()), key=lambda m: m.held_on)


def own_contributions(facts: Sequence[VisibleFact]) -> list[VisibleFact]:
    """Of the facts an agency sees, what it recorded itself: contributions, follow-ups and meeting outcomes seen
    as their origin (the rules give that basis to the origin alone, and not for an outcome another agency
    recorded in its name: that reached it under consent, as another's information)."""
    return [f for f in timeline(facts)
            if f.basis.kind == "origin" and f.kind in ("contribution", "follow_up", "meeting.outcome")]


@dataclass(frozen=True)
class NextMeeting:
    """The group's next meeting as the facts seen tell it."""

    on: date
    kind: str | None     # nätverksmöte or individmöte when a scheduling gave it (domain.values.MeetingKind)
    source: Any          # the fact that planned it: the latest meeting's `meeting`, or a `meeting.scheduled`


def next_meeting(facts: Iterable[Any]) -> NextMeeting | None:
    """Of the facts seen (anything with ``kind``, ``version`` and ``content``), the next meeting: the plan standing
    after the schedulings and meetings seen, taken in the order they were recorded, by ``domain.values.plans_anew``
    (the latest recorded, but a meeting held before one already recorded plans nothing) — the rule the domain judges
    social services' planning by.  None: none planned, or none the reader may see.  Only from what the reader may
    see: a reader not told is told nothing here."""
    latest, latest_held_on = None, None
    for f in sorted((f for f in facts if f.kind in ("meeting", "meeting.scheduled")), key=lambda f: f.version):
        if f.kind == "meeting.scheduled":
            latest = f
            continue
        held_on = f.content["held_on"]
        if plans_anew(held_on, latest_held_on):
            latest, latest_held_on = f, held_on
    if latest is None or not latest.content.get("next_meeting"):
        return None
    return NextMeeting(latest.content["next_meeting"], latest.content.get("meeting_kind"), latest)


def protected_personal_data(facts: Iterable[Any]) -> dict[str, Any] | None:
    """Whether the young person has protected personal data, as the facts seen tell it (anything with ``kind``,
    ``version`` and ``content``): ``{"kind", "since"}`` of the latest `case.protected` fact seen, None when that
    one lifted it or none is seen.  Only from what the reader may see: a reader not told is told nothing here."""
    latest = max((f for f in facts if f.kind == "case.protected"), key=lambda f: f.version, default=None)
    if latest is None or not latest.content["protected"]:
        return None
    return {"kind": latest.content["kind"], "since": latest.content["since"]}
