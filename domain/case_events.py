"""The case's events: immutable facts, past tense, each applying itself to the case.

Never rename or reshape a stored event: add a new class version and an
upcaster instead.  Every event carries ``recorded_by`` and its ``timestamp``
(when it was recorded), which the disclosure rules use as its time.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import TYPE_CHECKING, Any

from eventsourcing.domain import Aggregate

from domain.values import (
    Actor, CalendarMoment, ConsentRecord, Decision, Guardian, Membership, OpenCase, Outcome, Phase,
    PlanParticipation, PlanRow, Protection, ScopeEntry, YoungPerson,
)

if TYPE_CHECKING:
    from domain.case import Case


class CaseEvent(Aggregate.Event):
    recorded_by: Actor

    def apply(self, case: Any) -> None:
        case.last_recorded_at = self.timestamp
        self.apply_to(case)

    def apply_to(self, case: Case) -> None:
        pass


class ReferralReceived(Aggregate.Created):
    """A referral opened the case: entry route, referring agency, summary."""

    recorded_by: Actor
    case_number: str
    municipality: str
    subject: YoungPerson
    entry_route: str
    referring_agency: str
    referral_date: date
    summary: str
    summary_category: str
    # The municipality's open cases for the same young person when social services confirmed that this one was to be
    # opened beside them (a 409 possible_duplicate confirmed).  Empty: none was open, or the referral was stored
    # before confirmations were recorded (2026-12-05) — the default lets those events read as they were stored.
    despite_open_cases: tuple[OpenCase, ...] = ()


class EligibilityDecided(CaseEvent):
    accepted: bool
    reasons: str
    instruments: tuple[str, ...]
    decided_on: date
    outside_target_group_reason: str | None

    def apply_to(self, case: Case) -> None:
        case.phase = Phase.ACCEPTED if self.accepted else Phase.DECLINED


class GuardiansRecorded(CaseEvent):
    """Who has custody from now on: a new fact replacing the earlier record."""

    guardians: tuple[Guardian, ...]

    def apply_to(self, case: Case) -> None:
        case.guardians = {g.guardian_id: g for g in self.guardians}
        case.known_guardians.update(case.guardians)


class ConsentGranted(CaseEvent):
    consent_id: str
    consenter: str  # "young_person" or a guardian_id
    scope: tuple[ScopeEntry, ...]
    purpose: str
    valid_from: date
    valid_until: date | None
    form: str

    def apply_to(self, case: Case) -> None:
        case.consents[self.consent_id] = ConsentRecord(
            consent_id=self.consent_id, consenter=self.consenter, scope=self.scope,
            purpose=self.purpose, valid_from=self.valid_from, valid_until=self.valid_until,
            form=self.form, granted_at=self.timestamp, granted_scope=self.scope,
        )


class ConsentNarrowed(CaseEvent):
    consent_id: str
    scope: tuple[ScopeEntry, ...]
    valid_until: date | None

    def apply_to(self, case: Case) -> None:
        record = case.consents[self.consent_id]
        case.consents[self.consent_id] = replace(record, scope=self.scope, valid_until=self.valid_until,
                                                 narrowed_from=(record.scope, record.valid_until))


class ConsentWithdrawn(CaseEvent):
    consent_id: str

    def apply_to(self, case: Case) -> None:
        record = case.consents[self.consent_id]
        case.consents[self.consent_id] = replace(record, withdrawn_at=self.timestamp)


class MemberJoined(CaseEvent):
    agency: str
    contact_person: str
    role: str

    def apply_to(self, case: Case) -> None:
        case.members[self.agency] = Membership(self.agency, self.contact_person, self.role, self.timestamp)


class MemberLeft(CaseEvent):
    agency: str
    reason: str

    def apply_to(self, case: Case) -> None:
        del case.members[self.agency]


class PlanRevised(CaseEvent):
    """A complete, numbered revision of the action plan: never an edit of the last one."""

    revision: int
    main_goal: str
    rows: tuple[PlanRow, ...]
    # Who took part in drawing it up.  None: not recorded — every revision stored before it was asked (2026-12-05),
    # and one whose caller did not say; the default lets those events read as they were stored.
    participation: PlanParticipation | None = None

    def apply_to(self, case: Case) -> None:
        case.plan_revision = self.revision
        case.main_goal = self.main_goal
        case.plan_rows = {row.row_id: row for row in self.rows}
        case.plan_participation = self.participation
        case.phase = Phase.ACTIVE


class MeetingHeld(CaseEvent):
    meeting_id: str
    held_on: date
    attendees: tuple[str, ...]          # agency ids
    other_attendees: tuple[str, ...]    # e.g. "Den unge", "Vårdnadshavare"
    outcomes: tuple[Outcome, ...]
    decisions: tuple[Decision, ...]
    next_meeting: date | None


# The next meeting planned changes nothing the case decides by: which plan stands is read from the facts each reader
# sees (``projections.agency_queries.next_meeting``), and social services' planning is judged against the one its
# page shows, which the service passes (``GroupCommands.plan_next_meeting``'s ``shown``).


class MeetingScheduled(CaseEvent):
    """Social services planned the group's next meeting on its own, or moved it: its day, and its kind when given.
    A later scheduling, or a later meeting's next meeting, replaces it."""

    scheduled_on: date
    # nätverksmöte or individmöte (domain.values.MeetingKind); None: not given.
    meeting_kind: str | None = None


class MeetingCalledOff(CaseEvent):
    """Social services called off the next meeting it had planned: no next meeting is planned from now."""

    called_off: date   # the day that had been planned


class ContributionRecorded(CaseEvent):
    contribution_id: str
    agency: str
    category: str
    text: str
    legal_basis: str | None


class FollowUpRecorded(CaseEvent):
    row_id: str
    row_category: str
    status: str
    note: str
    agency: str


class CaseClosed(CaseEvent):
    reason: str
    outcome: str

    def apply_to(self, case: Case) -> None:
        case.phase = Phase.CLOSED


class ProtectionRecorded(CaseEvent):
    """Social services records that the young person has protected personal data (skyddade personuppgifter) of a
    kind, from a day: a new record replaces an earlier one of another kind."""

    kind: str       # domain.values.ProtectionKind
    since: date

    def apply_to(self, case: Case) -> None:
        case.protection = Protection(self.kind, self.since)


class ProtectionLifted(CaseEvent):
    """The young person no longer has protected personal data, from a day."""

    since: date

    def apply_to(self, case: Case) -> None:
        case.protection = None


class CalendarPassed(CaseEvent):
    """Calendar moments that changed what agencies may see, recorded as a fact when they passed:
    a consent's first day, the end of its last day, the 18th birthday.  Recording them makes every
    view change at once, and lets an auditor see the change, even when no one touched the case."""

    moments: tuple[CalendarMoment, ...]
