"""Value objects carried by the case's events.

Frozen and self-contained: an event must be readable years later without
looking anything else up, so values hold ids *and* what they meant.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from datetime import date, datetime
from enum import Enum

from domain.calendar import end_of_day, start_of_day

YOUNG_PERSON = "young_person"  # the consenter id for the young person's own consent


class EntryRoute(str, Enum):
    KNOWN = "known"        # already known to social services ("känd")
    SOL14 = "sol14"        # report of concern, SoL 14 kap. 1 §
    LUL6 = "lul6"          # police notification, LUL 6 §
    OTHER = "other"


# What an entry route itself tells, whatever the summary says: a LUL 6 § notification is the police's word that
# a young person is suspected of a crime.  The referral fact carries its route, so it is filed in that category:
# filed under `case`, "LUL 6 §-underrättelse från polisen" reached every member a consent let see `case`.
ROUTE_TELLS = {EntryRoute.LUL6.value: "crime"}


class Instrument(str, Enum):
    SAVRY = "SAVRY"
    ESTER = "ESTER"
    BBIC = "BBIC"
    OTHER = "other"


class ConsentForm(str, Enum):
    WRITTEN = "written"
    ORAL_DOCUMENTED = "oral_documented"


class FollowUpStatus(str, Enum):
    ACHIEVED = "achieved"
    PARTLY = "partly"
    NOT_ACHIEVED = "not_achieved"
    ONGOING = "ongoing"


class ClosureReason(str, Enum):
    GOALS_MET = "goals_met"
    MOVED = "moved"
    CONSENT_WITHDRAWN = "consent_withdrawn"
    DECLINED = "declined"          # the young person declines the group's work
    AGED_OUT = "aged_out"
    NOT_ELIGIBLE = "not_eligible"  # found not eligible (the phase `declined`): the reason a decision closes on
    OTHER = "other"


class ProtectionKind(str, Enum):
    """Skatteverket's protections of a person's identity (skyddade personuppgifter)."""

    SEKRETESSMARKERING = "sekretessmarkering"           # a secrecy mark on the population register entry
    SKYDDAD_FOLKBOKFORING = "skyddad_folkbokforing"     # registered at another address than where the person lives


class MeetingKind(str, Enum):
    """The form of a group's meeting (DOMAIN.md, step 6): the network around the young person, or the young person
    with the coordinator."""

    NATVERKSMOTE = "natverksmote"
    INDIVIDMOTE = "individmote"


class Phase(str, Enum):
    REFERRED = "referred"      # referral received, eligibility not yet decided
    ACCEPTED = "accepted"      # eligible; consents and group being formed
    DECLINED = "declined"      # not eligible
    ACTIVE = "active"          # an action plan exists; the group works
    CLOSED = "closed"


@dataclass(frozen=True)
class Actor:
    """Who recorded a fact: an agency and the user acting for it."""

    agency: str
    user: str


@dataclass(frozen=True)
class YoungPerson:
    personnummer: str  # normalised 12 digits; only ever inside encrypted event state
    name: str


@dataclass(frozen=True)
class OpenCase:
    """Another open case of the municipality for the same young person, as the caseworker confirmed past it."""

    case_id: str
    case_number: str


@dataclass(frozen=True)
class Guardian:
    guardian_id: str
    name: str
    has_custody: bool = True


@dataclass(frozen=True)
class ScopeEntry:
    """One recipient agency and the categories it may receive under a consent."""

    agency: str
    categories: tuple[str, ...]

    def covers(self, agency: str, category: str) -> bool:
        return self.agency == agency and category in self.categories


@dataclass(frozen=True)
class PlanRow:
    row_id: str
    area: str
    category: str
    goal: str
    how: str
    responsible: str
    responsible_agencies: tuple[str, ...] = ()
    follow_up: str = ""


@dataclass(frozen=True)
class PlanParticipation:
    """Who took part in drawing up a revision of the action plan: "Åtgärdsplan upprättas i samråd med individen och
    berörda parter" (seed 004).  Guardians by their ids in the case (never names: a name is the `family` fact's)."""

    young_person: bool
    guardians: tuple[str, ...] = ()
    not_taking_part_reason: str = ""   # why the young person did not take part; empty when they did


@dataclass(frozen=True)
class Protection:
    """That the young person has protected personal data: of which kind, from which day."""

    kind: str
    since: date


@dataclass(frozen=True)
class PlannedMeeting:
    """The group's next meeting as social services is shown it: its day, and its kind when given."""

    on: date
    kind: str | None = None


def plans_anew(held_on: date, latest_held_on: date | None) -> bool:
    """Whether a meeting held on ``held_on``, recorded after every other planning, replaces the next meeting planned;
    ``latest_held_on``: the latest day of the meetings recorded before it (None: none).

    The one rule of which plan of the next meeting stands, for every reader's next meeting
    (``projections.agency_queries.next_meeting``), which social services' planning is judged against too (its
    page's: ``GroupCommands.plan_next_meeting``'s ``shown``): the one recorded last of the schedulings and the
    meetings' next meetings, except that a meeting held before one already recorded (its minutes written late,
    back-dated) plans nothing — the meeting held since planned after it.  A meeting held the same day as the latest
    plans anew."""
    return latest_held_on is None or held_on >= latest_held_on


@dataclass(frozen=True)
class Outcome:
    category: str
    origin_agency: str
    text: str


@dataclass(frozen=True)
class Decision:
    text: str
    category: str   # no default: under `case` every member seeing the case would see the decision


def scope_pairs(scope: tuple[ScopeEntry, ...]) -> frozenset[tuple[str, str]]:
    return frozenset((e.agency, c) for e in scope for c in e.categories)


def scope_for(scope: tuple[ScopeEntry, ...], agency: str) -> tuple[str, ...]:
    """The categories one recipient may receive: the part of a consent it may see."""
    return tuple(sorted({c for e in scope if e.agency == agency for c in e.categories}))


@dataclass(frozen=True)
class ConsentRecord:
    consent_id: str
    consenter: str
    scope: tuple[ScopeEntry, ...]
    purpose: str
    valid_from: date
    valid_until: date | None
    form: str
    granted_at: datetime
    granted_scope: tuple[ScopeEntry, ...] = ()   # as first granted, kept through narrowings
    withdrawn_at: datetime | None = None
    narrowed_from: tuple[tuple[ScopeEntry, ...], date | None] | None = None  # scope and end before the last narrowing

    def in_force_at(self, at: datetime) -> bool:
        """Granted, within its dates (Stockholm calendar) and not withdrawn, at ``at``."""
        if at < self.granted_at or (self.withdrawn_at is not None and self.withdrawn_at <= at):
            return False
        starts, ends = self._window
        return at >= starts and (ends is None or at < ends)

    @cached_property
    def _window(self) -> tuple[datetime, datetime | None]:
        # Time-zone arithmetic is costly and the dates never change on a record: compute once.
        return start_of_day(self.valid_from), None if self.valid_until is None else end_of_day(self.valid_until)


@dataclass(frozen=True)
class Membership:
    agency: str
    contact_person: str
    role: str
    joined_at: datetime


@dataclass(frozen=True)
class CalendarMoment:
    at: datetime
    what: str                      # "consent_starts" | "consent_ends" | "turns_18"
    consent_id: str | None = None
