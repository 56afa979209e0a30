"""Domain errors: each names the rule that was broken, in domain words.

Every error carries a stable ``code`` (for APIs and logs) and, where one input
is at fault, the ``field`` that caused it.  Messages never contain personal
data (names, personnummer): they may reach logs.
"""

from __future__ import annotations


class DomainError(Exception):
    """A command broke a rule of the domain."""

    code = "domain_error"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class InvalidInput(DomainError):
    """A value is malformed, empty, too long or unknown."""

    code = "invalid_input"


class InvalidPersonalIdentityNumber(InvalidInput):
    code = "invalid_personal_identity_number"


class DateInFuture(InvalidInput):
    code = "date_in_future"


class ClosureReasonNotFitting(InvalidInput):
    """"Inte aktuell" is the reason of a case found not eligible and of no other: on a case the group worked in it
    would misstate, in the record and in any follow-up of the target group, why the work ended."""

    code = "closure_reason_not_fitting"


class GoalsMetWithoutPlan(ClosureReasonNotFitting):
    """"Målen är nådda" on a case that never had an action plan: it had no goals to meet, and the record (and the
    follow-up statistics of closure reasons) would count a case the group never planned for as a success."""

    code = "goals_met_without_plan"


class DateBeforeBirth(InvalidInput):
    """A date of the young person's life before the birth the personnummer tells: a referral of 1970-01-01 (a
    number read as a date) or a protection "since 1900-01-01" was kept on the record, and counted in statistics."""

    code = "date_before_birth"


class DateBeforeReferral(InvalidInput):
    """A meeting of the group, or a consent to its work, dated before social services received the referral: the
    group works on a case it has, and a consent "from 1900-01-01" read as in force for decades before it."""

    code = "date_before_referral"


class PeriodNotACalendarYear(InvalidInput):
    """Follow-up statistics are of a whole calendar year: two periods one inside the other, or overlapping, would
    give by their difference the cases of a month or a day exactly, with none of their small counts suppressed."""

    code = "period_not_a_calendar_year"


class YearNotEnded(InvalidInput):
    """A reader who may see no case (an evaluator) reads a year once it has ended, as its cases stood at its end: run
    day by day, the year's figures differed by one young person's referral or decision at a time."""

    code = "year_not_ended"


class EmptyMeeting(InvalidInput):
    """A meeting with nobody attending and nothing minuted records nothing; a form's date filled in by default made
    one in a click, kept for good and shown to every member.  Its own code: the web says it in Swedish by it."""

    code = "empty_meeting"


class NotLeadAgency(DomainError):
    """Only social services of the case leads it: opens, decides, forms, closes."""

    code = "not_lead_agency"


class EligibilityNotAccepted(DomainError):
    code = "eligibility_not_accepted"


class EligibilityAlreadyDecided(DomainError):
    code = "eligibility_already_decided"


class CaseIsClosed(DomainError):
    code = "case_closed"


class CaseDeclined(DomainError):
    """A case found not eligible has no group and never will (a new referral is the way back): no consent is granted
    for a group's work in it.  Narrowing or withdrawing one given before stays open: a consenter may always."""

    code = "case_declined"


class OutsideTargetGroup(DomainError):
    """Accepting someone outside 15–25 needs a recorded reason."""

    code = "outside_target_group"


class GuardianCannotConsentForAdult(DomainError):
    code = "guardian_cannot_consent_for_adult"


class GuardianConsentFrom18(GuardianCannotConsentForAdult):
    """A guardian's consent beginning on the 18th birthday or later: it would never count."""

    code = "guardian_consent_from_18"


class ExtractRecipientRefused(DomainError):
    """The extract of who has read the case is for the young person, or a guardian with custody while the young
    person is under 18 (DOMAIN.md); anyone else is refused."""

    code = "extract_recipient_refused"


class NotACustodialGuardian(DomainError):
    code = "not_a_custodial_guardian"


class NotTheConsenter(DomainError):
    """Only the person who gave a consent may narrow or withdraw it."""

    code = "not_the_consenter"


class UnknownConsent(DomainError):
    code = "unknown_consent"


class ConsentNotInForce(DomainError):
    code = "consent_not_in_force"


class NarrowingMustShrink(DomainError):
    code = "narrowing_must_shrink"


class NarrowingEndsBeforeItsDay(NarrowingMustShrink):
    """A narrowing whose new end is before the day it is recorded: what was shown under the consent until now
    cannot be taken back, and the record would say the consent ended before it did."""

    code = "narrowing_ends_before_its_day"


class NotAGroupMember(DomainError):
    code = "not_a_group_member"


class ResponsibleNotAMember(NotAGroupMember):
    """A plan row naming as responsible an agency not in the group (never in it, or since left): it could neither
    see the row nor follow it up.  Only social services revises the plan, and it sees the whole group."""

    code = "responsible_not_a_member"


class OutcomeOriginNotAMember(NotAGroupMember):
    """A meeting's outcome given in the name of an agency not in the group (never in it, or since left): the group
    would have been told what an outsider said as though it took part, and that agency could not see it.  Only social
    services records outcomes in another agency's name, and it sees the whole group."""

    code = "outcome_origin_not_a_member"


class ProtectionUnchanged(DomainError):
    """Protected personal data recorded as the case already has it (the same kind), or lifted where none is
    recorded: nothing would change, and a second identical fact would only say so again to every reader."""

    code = "protection_unchanged"


class GuardiansUnchanged(DomainError):
    """The guardians recorded as the case already has them (each by its id, with the same name and custody; their
    order aside): nothing would change, and a second identical fact would only say so again, as a new version, to
    every member that sees `family`."""

    code = "guardians_unchanged"


class NextMeetingUnchanged(DomainError):
    """The next meeting planned as social services has already planned it (the same day and kind), or called off
    where none is planned: nothing would change, and a second identical fact would only say so again to every
    reader."""

    code = "next_meeting_unchanged"


class PlanUnchanged(DomainError):
    """A revision of the action plan the same as the current one: the same main goal, the same rows (each carried
    forward with the same content and responsible agencies, in the same order) and who took part the same or not
    said.  A form saved unchanged recorded "Revision 2 … Inga ändringar du kan se", kept for good and shown to every
    member."""

    code = "plan_unchanged"


class AlreadyAGroupMember(DomainError):
    code = "already_a_group_member"


class UnknownPlanRow(DomainError):
    code = "unknown_plan_row"


class NotResponsibleForRow(DomainError):
    code = "not_responsible_for_row"


class NoPlanYet(DomainError):
    code = "no_plan_yet"


class LegalBasisNotApplicable(DomainError):
    code = "legal_basis_not_applicable"


class ClockWentBackwards(DomainError):
    """Events are recorded in time order; a command dated before the last one is refused.

    Through the application this means the server's clock is far behind the case's latest event (a few
    minutes' skew is absorbed: ``case_rules.recording_time``): a fault of the server, not of the request."""

    code = "clock_went_backwards"


class CaseErased(DomainError):
    """The case's data key has been destroyed (gallring): its content is gone for good."""

    code = "case_erased"

    def __init__(self, message: str, *, case_id: object = None) -> None:
        super().__init__(message)
        self.case_id = case_id   # which case, for a caller that can say when and under what decision
