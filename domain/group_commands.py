"""The group's work: members, the action plan, meetings, contributions, follow-ups, closure."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Iterable
from uuid import uuid4

from domain import case_events as ev
from domain.calendar import local_date
from domain.case_rules import (
    SHORT_TEXT, check_choice, check_day, check_not_before_referral, check_not_in_future, check_optional_text,
    check_text, first_repeat, in_the_group,
)
from domain.catalogue import ID_SHAPED, Catalogue, area_key
from domain.errors import (
    AlreadyAGroupMember, ClosureReasonNotFitting, EmptyMeeting, GoalsMetWithoutPlan, InvalidInput,
    LegalBasisNotApplicable, NextMeetingUnchanged, NoPlanYet, NotAGroupMember, NotResponsibleForRow,
    OutcomeOriginNotAMember, PlanUnchanged, ResponsibleNotAMember, UnknownPlanRow,
)
from domain.values import (
    Actor, ClosureReason, Decision, FollowUpStatus, MeetingKind, Outcome, Phase, PlanParticipation, PlanRow,
    PlannedMeeting,
)

if TYPE_CHECKING:
    from domain.case import Case


@dataclass(frozen=True)
class PlanRowDraft:
    """A row as the caseworker writes it; ``row_id`` carries an existing row forward."""

    area: str
    goal: str
    how: str
    responsible: str
    responsible_agencies: tuple[str, ...] = ()
    follow_up: str = ""
    category: str | None = None
    row_id: str | None = None


class GroupCommands:
    def add_member(self: Case, *, agency: str, contact_person: str, role: str, by: Actor, at: datetime,
                   catalogue: Catalogue) -> None:
        """Social services brings an agency into the group."""
        self._check_command(by, at, catalogue, lead_only="form the group", needs_accepted="forming the group")
        catalogue.agency(agency)
        if agency == catalogue.lead_agency:   # it leads the group: "joining" would list it twice, as a member too
            raise InvalidInput("social services leads the group and is not added as a member", field="agency")
        if agency in self.members:
            raise AlreadyAGroupMember("the agency is already a member of the group", field="agency")
        self._trigger(ev.MemberJoined, at, by, agency=agency,
                      contact_person=check_text(contact_person, "contact_person", max_length=SHORT_TEXT),
                      role=check_text(role, "role", max_length=SHORT_TEXT))

    def remove_member(self: Case, *, agency: str, reason: str, by: Actor, at: datetime,
                      catalogue: Catalogue) -> None:
        self._check_command(by, at, catalogue, lead_only="change the group")
        if agency not in self.members:
            raise NotAGroupMember("the agency is not a member of the group", field="agency")
        self._trigger(ev.MemberLeft, at, by, agency=agency, reason=check_text(reason, "reason"))

    def revise_plan(self: Case, *, main_goal: str, rows: Iterable[PlanRowDraft], by: Actor, at: datetime,
                    catalogue: Catalogue, young_person_took_part: bool | None = None,
                    guardians_took_part: Iterable[str] = (), not_taking_part_reason: str | None = None) -> int:
        """Record a complete new revision of the action plan, and who took part in drawing it up (None: not
        recorded); returns its number."""
        self._check_command(by, at, catalogue, lead_only="revise the action plan",
                            needs_accepted="an action plan")
        checked = tuple(self._checked_row(row, i, catalogue) for i, row in enumerate(rows))
        repeat = first_repeat(row.row_id for row in checked)
        if repeat is not None:   # one id for two rows: the plan would keep one, and a follow-up name either
            raise InvalidInput("the same row of the current plan is carried forward twice: keep it once",
                               field=f"rows[{repeat[0]}].row_id")
        if not checked:
            raise InvalidInput("an action plan needs at least one row", field="rows")
        participation = self._checked_participation(young_person_took_part, tuple(guardians_took_part),
                                                    not_taking_part_reason)
        main_goal = check_text(main_goal, "main_goal", max_length=SHORT_TEXT * 2)
        self._check_plan_changes(main_goal, checked, participation)
        revision = self.plan_revision + 1
        self._trigger(ev.PlanRevised, at, by, revision=revision, main_goal=main_goal, rows=checked,
                      participation=participation)
        return revision

    def record_meeting(self: Case, *, held_on: date, attendees: Iterable[str], other_attendees: Iterable[str],
                       outcomes: Iterable[Outcome], decisions: Iterable[Decision], next_meeting: date | None,
                       by: Actor, at: datetime, catalogue: Catalogue) -> str:
        """Record a network meeting with its outcomes and decisions; returns the meeting id."""
        self._check_command(by, at, catalogue, needs_accepted="a meeting")
        self._check_member(by.agency, catalogue)
        check_not_in_future(held_on, at, "held_on")
        if by.agency == catalogue.lead_agency:
            # The lead's alone: the referral date is the referral fact's, which a member sees only when consent
            # covers its category.  Refused to a member, the date could be found by bisection (a red team): a
            # meeting before it answered date_before_referral, after it the next check's refusal.
            check_not_before_referral(held_on, self.referral_date, "held_on")
        if next_meeting is not None:
            check_day(next_meeting, "next_meeting")
        if next_meeting is not None and next_meeting < held_on:
            raise InvalidInput("next_meeting is before the meeting itself", field="next_meeting")
        agencies = tuple(attendees)
        repeat = first_repeat(agencies)
        if repeat is not None:   # of the input alone: says nothing of who is in the group
            # Said back only when shaped like an agency id: it is checked against the catalogue only after this.
            said = f"the agency '{repeat[1]}'" if ID_SHAPED.fullmatch(repeat[1]) else "an attendee"
            raise InvalidInput(f"{said} is named twice among the attendees: name each once",
                               field=f"attendees.{repeat[0]}")
        others, outcomes, decisions = tuple(other_attendees), tuple(outcomes), tuple(decisions)
        if not (agencies or others or outcomes or decisions):
            # Its date alone filled in (a form's default): an empty meeting recorded for good, shown to every member.
            raise EmptyMeeting("a meeting with nobody attending and nothing minuted records nothing: name who attended,"
                               " or give an outcome or a decision", field="attendees")
        if by.agency != catalogue.lead_agency:
            _check_speaks_for_itself(by.agency, agencies, outcomes, catalogue.lead_agency)
        for n, agency in enumerate(agencies):   # one outside the group (never in it, or since left): at it
            self._check_member(agency, catalogue, field=f"attendees.{n}")
        checked_outcomes = tuple(self._checked_outcome(o, n, agencies, catalogue) for n, o in enumerate(outcomes))
        # Each refusal names its decision by position (``decisions.1.category``), as an outcome's does.
        checked_decisions = tuple(
            Decision(check_text(d.text, f"decisions.{n}.text"),
                     catalogue.category(d.category, f"decisions.{n}.category").id) for n, d in enumerate(decisions))
        meeting_id = str(uuid4())
        self._trigger(ev.MeetingHeld, at, by, meeting_id=meeting_id, held_on=held_on, attendees=agencies,
                      other_attendees=tuple(check_text(o, f"other_attendees.{n}", max_length=SHORT_TEXT)
                                            for n, o in enumerate(others)),
                      outcomes=checked_outcomes, decisions=checked_decisions, next_meeting=next_meeting)
        return meeting_id

    def plan_next_meeting(self: Case, *, next_meeting: date | None, shown: PlannedMeeting | None, by: Actor,
                          at: datetime, catalogue: Catalogue, kind: str | None = None) -> None:
        """Social services plans the group's next meeting on its own — a new group's first network meeting, or one
        moved to another day or kind — or calls it off (``next_meeting`` None).

        Judged against ``shown``: the next meeting social services' page shows now (None: none it may see), which
        only the caller knows (``services.case_commands.shown_next_meeting``) — a member's meeting reaches it only
        through consent, and one it may not see must change none of its answers (a refusal judged on it would tell
        it of that meeting).  Required: judged against social services' own plans instead, it was told "already
        planned" of a day its page no longer showed, and called off a day it did not."""
        self._check_command(by, at, catalogue, lead_only="plan the group's meetings", needs_accepted="a meeting")
        if next_meeting is None:
            self._call_off_meeting(shown, kind, by, at)
            return
        check_day(next_meeting, "next_meeting")
        # Implied by the next check but for the servers' clock skew; said as every date of the group's work is.
        check_not_before_referral(next_meeting, self.referral_date, "next_meeting")
        if next_meeting < local_date(at):
            # A day already over would be marked as passed at once: a meeting held is recorded as held.
            raise InvalidInput("next_meeting has passed: plan a day from today on, or record the meeting that was held",
                               field="next_meeting")
        kind = None if kind is None else check_choice(kind, MeetingKind, "kind")
        if shown == PlannedMeeting(next_meeting, kind):
            raise NextMeetingUnchanged("the next meeting is already planned for this day, of this kind",
                                       field="next_meeting")
        self._trigger(ev.MeetingScheduled, at, by, scheduled_on=next_meeting, meeting_kind=kind)

    def _call_off_meeting(self: Case, shown: PlannedMeeting | None, kind: str | None, by: Actor,
                          at: datetime) -> None:
        if kind is not None:
            raise InvalidInput("leave kind out when calling the next meeting off", field="kind")
        if shown is None:
            raise NextMeetingUnchanged("no next meeting is planned: there is none to call off", field="next_meeting")
        self._trigger(ev.MeetingCalledOff, at, by, called_off=shown.on)

    def record_contribution(self: Case, *, category: str, text: str, by: Actor, at: datetime,
                            catalogue: Catalogue, legal_basis: str | None = None) -> str:
        """A member agency records what it knows (attendance, a new suspicion…); returns its id."""
        self._check_command(by, at, catalogue, needs_accepted="a contribution")
        self._check_member(by.agency, catalogue)
        catalogue.category(category)
        if legal_basis is not None:
            self._check_legal_basis(legal_basis, by.agency, category, at, catalogue)
        contribution_id = str(uuid4())
        self._trigger(ev.ContributionRecorded, at, by, contribution_id=contribution_id, agency=by.agency,
                      category=category, text=check_text(text, "text"), legal_basis=legal_basis)
        return contribution_id

    def record_follow_up(self: Case, *, row_id: str, status: str, note: str, by: Actor, at: datetime,
                         catalogue: Catalogue) -> None:
        """Social services, or an agency responsible for the row, follows it up."""
        self._check_command(by, at, catalogue, needs_accepted="a follow-up")
        if not self.plan_rows and by.agency == catalogue.lead_agency:
            raise NoPlanYet("there is no action plan to follow up", field="row_id")
        # A member is told only that it named no row of the plan: whether there is a plan at all is the case's
        # (category `case`), which its consents may not cover.
        row = self.plan_rows.get(row_id)
        if row is None:
            raise UnknownPlanRow("no such row in the current action plan", field="row_id")
        self._check_member(by.agency, catalogue)
        if by.agency != catalogue.lead_agency and by.agency not in row.responsible_agencies:
            raise NotResponsibleForRow("only social services or an agency responsible for the row may follow it up",
                                       field="row_id")
        self._trigger(ev.FollowUpRecorded, at, by, row_id=row_id, row_category=row.category,
                      status=check_choice(status, FollowUpStatus, "status"), note=check_text(note, "note"),
                      agency=by.agency)

    def close(self: Case, *, reason: str, outcome: str, by: Actor, at: datetime, catalogue: Catalogue) -> None:
        """Social services closes the case with a reason and an outcome."""
        self._check_command(by, at, catalogue, lead_only="close the case")
        reason = check_choice(reason, ClosureReason, "reason")
        if reason == ClosureReason.NOT_ELIGIBLE and self.phase is not Phase.DECLINED:
            raise ClosureReasonNotFitting("not_eligible closes a case found not eligible, and no other",
                                          field="reason")
        if reason == ClosureReason.GOALS_MET and not self.plan_revision:
            raise GoalsMetWithoutPlan("goals_met closes a case whose action plan's goals were met: this case has no"
                                      " action plan, so it had no goals to meet; choose another reason",
                                      field="reason")
        self._trigger(ev.CaseClosed, at, by, reason=reason, outcome=check_text(outcome, "outcome"))

    # -- guards --------------------------------------------------------------

    def _check_member(self: Case, agency: str, catalogue: Catalogue, field: str = "agency") -> None:
        catalogue.agency(agency, field=field)
        if not self.is_member(agency, catalogue):
            raise NotAGroupMember(f"the agency '{agency}' is not a member of the group", field=field)

    def _checked_row(self: Case, draft: PlanRowDraft, index: int, catalogue: Catalogue) -> PlanRow:
        field = f"rows[{index}]"
        if draft.row_id is not None and draft.row_id not in self.plan_rows:
            raise UnknownPlanRow("the row to carry forward is not in the current plan", field=f"{field}.row_id")
        area = check_text(draft.area, f"{field}.area", max_length=SHORT_TEXT)
        category = draft.category or self._carried_category(draft, area, catalogue, field)
        if category is None:   # never `case` by default: the category decides who may see the row
            raise InvalidInput("the area is none of the catalogue's plan areas: give the row's category"
                               f" ({', '.join(catalogue.plan_areas)} have their own)", field=f"{field}.category")
        for agency in draft.responsible_agencies:
            _check_responsible_reveals_nothing_more(agency, category, catalogue, f"{field}.responsible_agencies")
        repeat = first_repeat(draft.responsible_agencies)
        if repeat is not None:
            raise InvalidInput(f"the agency '{repeat[1]}' is named twice as responsible for the row: name each once",
                               field=f"{field}.responsible_agencies.{repeat[0]}")
        # Also a row carried forward naming an agency that has since left: refused until the caseworker takes it
        # off (or brings the agency back), not dropped unseen — who answers for the row is theirs to decide.
        for n, agency in enumerate(draft.responsible_agencies):
            if not self.is_member(agency, catalogue):   # social services leads it: always in it
                raise ResponsibleNotAMember(f"the agency '{agency}' is not a member of the group: add it to the group"
                                            " first, or name another agency as responsible for the row",
                                            field=f"{field}.responsible_agencies.{n}")
        return PlanRow(
            row_id=draft.row_id or str(uuid4()), area=area,
            category=catalogue.category(category, field=f"{field}.category").id,
            goal=check_text(draft.goal, f"{field}.goal"), how=check_text(draft.how, f"{field}.how"),
            responsible=check_text(draft.responsible, f"{field}.responsible", max_length=SHORT_TEXT),
            responsible_agencies=tuple(draft.responsible_agencies),
            follow_up=check_optional_text(draft.follow_up, f"{field}.follow_up"))

    def _checked_participation(self: Case, young_person: bool | None, guardians: tuple[str, ...],
                               reason: str | None) -> PlanParticipation | None:
        """Who drew the plan up with social services.  Guardians are those of the case's record now (a guardian
        the record no longer holds is not the young person's guardian); a reason is asked when the young person did
        not take part, and only then (beside a "yes" it would contradict it)."""
        if young_person is None:
            if guardians or reason:
                raise InvalidInput("say whether the young person took part in drawing up the plan",
                                   field="young_person_took_part")
            return None
        for n, guardian in enumerate(guardians):
            if guardian not in self.guardians:
                raise InvalidInput("no guardian with this id was recorded in this case",
                                   field=f"guardians_took_part.{n}")
        repeat = first_repeat(guardians)
        if repeat is not None:
            raise InvalidInput("this guardian is listed twice", field=f"guardians_took_part.{repeat[0]}")
        if young_person:
            if check_optional_text(reason, "not_taking_part_reason"):
                raise InvalidInput("a reason is given only when the young person did not take part in drawing up"
                                   " the plan", field="not_taking_part_reason")
            return PlanParticipation(True, guardians)
        return PlanParticipation(False, guardians,
                                 check_text(reason or "", "not_taking_part_reason", max_length=SHORT_TEXT))

    def _check_plan_changes(self: Case, main_goal: str, rows: tuple[PlanRow, ...],
                            participation: PlanParticipation | None) -> None:
        """Refuse a revision that changes nothing: the same goal and rows, and who took part the same or not said
        (the form does not fill it in again: a plan saved unchanged says nothing of it).  Responsible agencies are
        compared as a set, their order being only how they were ticked."""
        if self.plan_revision == 0 or main_goal != self.main_goal:
            return
        if participation is not None and participation != self.plan_participation:
            return
        if tuple(map(_row_key, rows)) == tuple(map(_row_key, self.plan_rows.values())):
            raise PlanUnchanged("the revision is the same as the current plan (its main goal, rows and who took"
                                " part): change something, or there is nothing to record")

    def _carried_category(self: Case, draft: PlanRowDraft, area: str, catalogue: Catalogue, field: str) -> str | None:
        """A row given no category: a row carried forward keeps its own; a new row takes its catalogue area's (None:
        not a catalogue area).  A row carried into another area whose catalogue category is not the row's is
        refused: which one its content now belongs to is the caseworker's to say.  The area's won, and a `health`
        row carried as "Skola" was shown to every member seeing `school`."""
        inferred = catalogue.category_of_area(area)
        if draft.row_id is None:
            return inferred
        carried = self.plan_rows[draft.row_id]
        if inferred is not None and inferred != carried.category and area_key(area) != area_key(carried.area):
            raise InvalidInput(f"the row carried forward is '{carried.category}' and its new area is the catalogue's"
                               f" '{inferred}': give the row's category", field=f"{field}.category")
        return carried.category

    def _checked_outcome(self: Case, outcome: Outcome, index: int, attendees: tuple[str, ...],
                         catalogue: Catalogue) -> Outcome:
        """An outcome is given in the name of social services or of an active member that attended.  A member
        records only its own (checked before, whoever else takes part), so only social services gets this far
        naming another agency, and it sees the whole group: the refusals tell no one anything."""
        field = f"outcomes.{index}"
        catalogue.category(outcome.category, field=f"{field}.category")
        origin = outcome.origin_agency
        if origin != catalogue.lead_agency:
            catalogue.agency(origin, field=f"{field}.origin_agency")
            # Said as what it is (the agency is not in the group) before the attendance rule: it read "must have
            # attended", and the web form, offering every agency, said only "Ogiltigt värde.".
            if not in_the_group(self, origin):
                raise OutcomeOriginNotAMember(
                    f"the agency '{origin}' is not a member of the group: an outcome is given in the name of social"
                    " services or of a member that attended; add the agency to the group first, or give the outcome"
                    " in another's name", field=f"{field}.origin_agency")
            if origin not in attendees:
                raise InvalidInput("an outcome's origin agency must have attended the meeting",
                                   field=f"{field}.origin_agency")
        return Outcome(outcome.category, origin, check_text(outcome.text, f"{field}.text"))

    def _check_legal_basis(self: Case, basis_id: str, agency: str, category: str, at: datetime,
                           catalogue: Catalogue) -> None:
        basis = catalogue.legal_basis(basis_id)
        if agency not in basis.senders or category not in basis.categories:
            raise LegalBasisNotApplicable(f"{basis.name} does not carry this agency's {category} information",
                                          field="legal_basis")
        if not basis.covers_age(self.age_on(local_date(at))):
            raise LegalBasisNotApplicable(f"{basis.name} applies only while the young person is under"
                                          f" {basis.under_age}", field="legal_basis")


def _row_key(row: PlanRow) -> tuple:
    return (row.row_id, row.area, row.category, row.goal, row.how, row.responsible,
            frozenset(row.responsible_agencies), row.follow_up)


def _check_responsible_reveals_nothing_more(agency: str, row_category: str, catalogue: Catalogue,
                                            field: str) -> None:
    """Naming BUP on a school row would tell the school that BUP is in the group: refuse it."""
    revealed = catalogue.agency(agency, field=field).membership_category
    if revealed not in ("case", row_category):
        raise InvalidInput(f"'{agency}' may only be responsible for rows in the category {revealed}", field=field)


def _check_speaks_for_itself(recorder: str, attendees: tuple[str, ...], outcomes: Iterable[Outcome],
                             lead: str) -> None:
    """A member agency records a meeting as far as it is its own: its attendance (beside social services') and
    its own outcomes.  Naming another agency would let it learn whether that agency is in the group (the answer
    differs), and an outcome in another's name would reach that agency as its own information, without consent;
    social services, which sees the whole group, records the rest.  Checked before any membership, so the answer
    is the same whether the other agency takes part or not."""
    # At the first one refused (its place in the request, whoever it names: the same answer either way).
    other = next((n for n, a in enumerate(attendees) if a not in (recorder, lead)), None)
    if other is not None:
        raise InvalidInput("a member agency names only itself and social services as attendees; social services"
                           " records the others", field=f"attendees.{other}")
    foreign = next((n for n, o in enumerate(outcomes) if o.origin_agency != recorder), None)
    if foreign is not None:
        raise InvalidInput("a member agency records only its own outcomes", field=f"outcomes.{foreign}.origin_agency")
