"""The case's commands: each rule is refused with a domain error naming the problem."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest

from domain import errors
from domain.calendar import local_date
from domain.disclosure import disclosures_at
from domain.group_commands import PlanRowDraft
from domain.values import YOUNG_PERSON, Decision, Outcome, Phase, ScopeEntry, scope_pairs
from tests.builders import BORN_1993_10_21, BUP, CATALOGUE, POLICE, SCHOOL, SOCIAL, CaseStory, referral


class TestOpeningACase:
    def test_a_referral_opens_a_case_in_the_referred_phase(self):
        case = referral()
        assert case.phase is Phase.REFERRED and case.case_number == "0180-2026-0001"
        assert case.subject.personnummer == "200903142388"

    def test_only_social_services_opens_a_case(self):
        with pytest.raises(errors.NotLeadAgency):
            referral(by=POLICE)

    def test_an_invalid_personnummer_is_refused_by_field(self):
        with pytest.raises(errors.InvalidPersonalIdentityNumber) as raised:
            referral(personnummer="20090314-2389")
        assert raised.value.field == "personnummer" and "2389" not in str(raised.value)

    def test_a_referral_dated_in_the_future_is_refused(self):
        with pytest.raises(errors.DateInFuture):
            referral(referral_date=date(2026, 2, 4))

    def test_a_lul6_notification_must_come_from_the_police(self):
        with pytest.raises(errors.InvalidInput) as raised:
            referral(referring_agency="skola")
        assert raised.value.field == "referring_agency"

    @pytest.mark.parametrize("category", ["case", "school", "family"])
    def test_a_lul6_notification_is_filed_under_crime(self, category):
        """Its route tells of a suspected crime: filed under `case`, every member seeing `case` learnt of it."""
        with pytest.raises(errors.InvalidInput) as raised:
            referral(summary_category=category)
        assert raised.value.field == "summary_category"
        assert referral(summary_category="case", entry_route="sol14", referring_agency="skola")

    @pytest.mark.parametrize("field,value", [("summary", "  "), ("name", ""), ("summary", "x" * 4001),
                                             ("name", "\u200b"), ("name", " \u2060\ufeff "), ("name", "Peter\x00"),
                                             ("summary", "Rån\x1b[2J"), ("name", "Maria\x85X")])
    def test_required_texts_are_non_empty_and_bounded(self, field, value):
        with pytest.raises(errors.InvalidInput) as raised:
            referral(**{field: value})
        assert raised.value.field == field

    @pytest.mark.parametrize("field,value", [("municipality", "9999"), ("summary_category", "gossip"),
                                             ("entry_route", "rumour"), ("referring_agency", "nasa")])
    def test_unknown_reference_data_is_refused_by_field(self, field, value):
        with pytest.raises(errors.InvalidInput) as raised:
            referral(**{field: value})
        assert raised.value.field == field


class TestEligibility:
    def test_accepting_someone_outside_15_to_25_needs_a_reason(self):
        story = CaseStory(personnummer=BORN_1993_10_21, entry_route="known")  # 32 years old
        with pytest.raises(errors.OutsideTargetGroup):
            story.accept()
        story.case.decide_eligibility(accepted=True, reasons="Avhoppare.", instruments=("ESTER",),
                                      decided_on=story.now.date(), outside_target_group_reason="Avhoppare, 32 år.",
                                      by=SOCIAL, at=story.at(), catalogue=CATALOGUE)
        assert story.case.phase is Phase.ACCEPTED

    def test_eligibility_is_decided_once(self):
        story = CaseStory().accept()
        with pytest.raises(errors.EligibilityAlreadyDecided):
            story.accept()

    def test_unknown_instruments_are_refused(self):
        story = CaseStory()
        with pytest.raises(errors.InvalidInput):
            story.case.decide_eligibility(accepted=True, reasons="x", instruments=("TAROT",),
                                          decided_on=story.now.date(), by=SOCIAL, at=story.at(), catalogue=CATALOGUE)

    @pytest.mark.parametrize("command", ["plan", "meeting", "contribution", "member"])
    def test_no_group_work_before_eligibility_is_accepted(self, command):
        story = CaseStory()
        with pytest.raises(errors.EligibilityNotAccepted):
            _do(story, command)

    def test_no_group_work_after_a_declined_eligibility(self):
        story = CaseStory()
        story.case.decide_eligibility(accepted=False, reasons="Inte aktuell.", instruments=(),
                                      decided_on=story.now.date(), by=SOCIAL, at=story.at(), catalogue=CATALOGUE)
        with pytest.raises(errors.EligibilityNotAccepted):
            _do(story, "plan")


class TestConsent:
    def test_only_the_consenter_withdraws(self):
        story = CaseStory().accept()
        mother, _ = story.guardians("Maria", "Johan")
        consent = story.consent(YOUNG_PERSON)
        with pytest.raises(errors.NotTheConsenter):
            story.withdraw(consent, consenter=mother)

    def test_only_the_consenter_narrows(self):
        story = CaseStory().accept()
        mother, _ = story.guardians("Maria", "Johan")
        consent = story.consent(mother)
        with pytest.raises(errors.NotTheConsenter):
            story.case.narrow_consent(consent_id=consent, consenter=YOUNG_PERSON, scope=[ScopeEntry("skola", ("case",))],
                                      valid_until=None, by=SOCIAL, at=story.at(), catalogue=CATALOGUE)

    def test_a_narrowing_cannot_widen(self):
        story = CaseStory().accept()
        consent = story.consent(YOUNG_PERSON, {"skola": ("case",)})
        with pytest.raises(errors.NarrowingMustShrink):
            story.case.narrow_consent(consent_id=consent, consenter=YOUNG_PERSON,
                                      scope=[ScopeEntry("skola", ("case", "health"))], valid_until=None,
                                      by=SOCIAL, at=story.at(), catalogue=CATALOGUE)

    def test_a_narrowing_without_an_end_keeps_the_consents_end_and_a_later_end_is_named(self):
        story = CaseStory().accept()
        ends = story.now.date() + timedelta(days=200)
        consent = story.consent(YOUNG_PERSON, {"skola": ("case", "health")}, valid_until=ends)
        with pytest.raises(errors.NarrowingMustShrink) as refused:
            story.case.narrow_consent(consent_id=consent, consenter=YOUNG_PERSON,
                                      scope=[ScopeEntry("skola", ("case",))], valid_until=ends + timedelta(days=1),
                                      by=SOCIAL, at=story.at(), catalogue=CATALOGUE)
        assert refused.value.field == "valid_until"
        story.case.narrow_consent(consent_id=consent, consenter=YOUNG_PERSON, scope=[ScopeEntry("skola", ("case",))],
                                  valid_until=None, by=SOCIAL, at=story.at(), catalogue=CATALOGUE)
        narrowed = story.case.consents[consent]
        assert narrowed.valid_until == ends and scope_pairs(narrowed.scope) == {("skola", "case")}

    def test_a_narrowing_cannot_end_the_consent_before_the_day_it_is_recorded(self):
        """Narrowed on 15 June to end on 10 June: the log ended it on the 15th, while its record said the 10th —
        before facts an auditor sees shown under it on the 12th.  Ending it now is a withdrawal."""
        story = CaseStory().accept()
        consent = story.consent(YOUNG_PERSON, {"skola": ("case", "health")},
                                valid_until=story.now.date() + timedelta(days=200))
        later = story.at(story.now + timedelta(days=10))   # shown under it for ten days
        today = local_date(later)
        with pytest.raises(errors.NarrowingEndsBeforeItsDay) as refused:
            story.case.narrow_consent(consent_id=consent, consenter=YOUNG_PERSON, scope=[ScopeEntry("skola", ("case",))],
                                      valid_until=today - timedelta(days=1), by=SOCIAL, at=story.at(),
                                      catalogue=CATALOGUE)
        assert refused.value.field == "valid_until" and refused.value.code == "narrowing_ends_before_its_day"
        story.case.narrow_consent(consent_id=consent, consenter=YOUNG_PERSON, scope=[ScopeEntry("skola", ("case",))],
                                  valid_until=today, by=SOCIAL, at=story.at(), catalogue=CATALOGUE)  # today: its end
        assert story.case.consents[consent].valid_until == today

    def test_a_withdrawn_consent_cannot_be_withdrawn_again(self):
        story = CaseStory().accept()
        consent = story.consent(YOUNG_PERSON)
        story.withdraw(consent)
        with pytest.raises(errors.ConsentNotInForce):
            story.withdraw(consent)

    def test_someone_who_is_not_a_custodial_guardian_cannot_consent(self):
        story = CaseStory().accept()
        with pytest.raises(errors.NotACustodialGuardian):
            story.consent("someone-else")

    def test_a_consent_needs_a_known_recipient_and_category(self):
        story = CaseStory().accept()
        with pytest.raises(errors.InvalidInput):
            story.consent(YOUNG_PERSON, {"skola": ("gossip",)})
        with pytest.raises(errors.InvalidInput):
            story.consent(YOUNG_PERSON, {"skola": ()})

    def test_a_consent_cannot_end_before_it_starts(self):
        story = CaseStory().accept()
        with pytest.raises(errors.InvalidInput) as raised:
            story.consent(YOUNG_PERSON, valid_from=date(2026, 3, 1), valid_until=date(2026, 2, 1))
        assert raised.value.field == "valid_until"


class TestConsentOnADeclinedCase:
    """Consent is for the group's work; a case found not eligible has no group and never will (a new referral is the
    way back).  A consenter may always take a consent back."""

    def test_no_consent_is_granted_on_a_case_found_not_eligible(self):
        story = _declined(CaseStory())
        with pytest.raises(errors.CaseDeclined) as refused:
            story.consent(YOUNG_PERSON)
        assert refused.value.code == "case_declined" and refused.value.field is None
        assert not story.case.consents

    def test_a_guardians_consent_is_refused_too(self):
        story = CaseStory()
        mother, _ = story.guardians("Maria", "Johan")
        _declined(story)
        with pytest.raises(errors.CaseDeclined):
            story.consent(mother)

    def test_a_consent_given_before_the_decline_stays_and_can_be_narrowed_and_withdrawn(self):
        story = CaseStory()
        consent = story.consent(YOUNG_PERSON, {"skola": ("case", "school")})   # while it was assessed
        _declined(story)
        assert story.case.consents[consent].in_force_at(story.now)   # stays as it was
        story.case.narrow_consent(consent_id=consent, consenter=YOUNG_PERSON, scope=[ScopeEntry("skola", ("case",))],
                                  valid_until=None, by=SOCIAL, at=story.at(), catalogue=CATALOGUE)
        with pytest.raises(errors.NarrowingMustShrink):   # a narrowing still cannot widen it
            story.case.narrow_consent(consent_id=consent, consenter=YOUNG_PERSON,
                                      scope=[ScopeEntry("skola", ("case", "school"))], valid_until=None, by=SOCIAL,
                                      at=story.at(), catalogue=CATALOGUE)
        story.withdraw(consent)
        assert story.case.consents[consent].withdrawn_at == story.now

    def test_a_consent_is_granted_before_the_decision_and_after_an_acceptance(self):
        story = CaseStory()
        story.consent(YOUNG_PERSON)   # the young person is motivated while social services assesses
        story.accept().consent(YOUNG_PERSON)

    def test_a_declined_case_has_no_members_to_disclose_to(self):
        """No agency joins a declined case (``check_accepted``), so a consent given before the decline discloses
        nothing to anyone but social services, the case's owner."""
        story = CaseStory()
        story.consent(YOUNG_PERSON, {"skola": ("case", "crime", "school")})
        _declined(story)
        with pytest.raises(errors.EligibilityNotAccepted):
            story.join("skola")
        assert not story.case.members
        assert not disclosures_at(story.events, "skola", story.at(), CATALOGUE)


class TestGroupWork:
    def test_plan_revisions_are_numbered_and_complete(self):
        story = CaseStory().accept().join("skola", "bup")
        assert story.plan() == 1 and story.plan() == 2
        assert story.case.plan_revision == 2 and len(story.case.plan_rows) == 2

    def test_a_row_cannot_name_an_agency_whose_membership_reveals_another_category(self):
        story = CaseStory().accept()
        with pytest.raises(errors.InvalidInput) as raised:
            story.case.revise_plan(main_goal="Mål", rows=[PlanRowDraft(
                area="Skola", goal="I tid", how="Alarm", responsible="BUP", responsible_agencies=("bup",))],
                by=SOCIAL, at=story.at(), catalogue=CATALOGUE)
        assert raised.value.field == "rows[0].responsible_agencies"

    def test_a_row_names_as_responsible_only_agencies_in_the_group(self):
        """A domain review, 2026-12-05: a row naming BUP was accepted with only the school in the group."""
        story = CaseStory().accept().join("skola")
        with pytest.raises(errors.ResponsibleNotAMember) as raised:
            story.plan()   # its health row names BUP
        assert raised.value.field == "rows[0].responsible_agencies.0" and story.case.plan_revision == 0
        assert isinstance(raised.value, errors.NotAGroupMember)
        story.join("bup")
        assert story.plan() == 1

    def test_a_row_carried_forward_naming_an_agency_that_has_left_is_refused_until_taken_off(self):
        story = CaseStory().accept().join("skola", "bup")
        story.plan()
        row = next(r for r in story.case.plan_rows.values() if r.area == "Hälsa")
        story.case.remove_member(agency="bup", reason="Klar", by=SOCIAL, at=story.at(), catalogue=CATALOGUE)
        carried = PlanRowDraft(area="Hälsa", goal=row.goal, how=row.how, responsible=row.responsible,
                               responsible_agencies=("bup",), row_id=row.row_id)
        with pytest.raises(errors.ResponsibleNotAMember) as raised:
            story.case.revise_plan(main_goal="Mål", rows=[carried], by=SOCIAL, at=story.at(), catalogue=CATALOGUE)
        assert raised.value.field == "rows[0].responsible_agencies.0" and story.case.plan_revision == 1
        story.case.revise_plan(main_goal="Mål", rows=[replace(carried, responsible_agencies=())], by=SOCIAL,
                               at=story.at(), catalogue=CATALOGUE)
        assert story.case.plan_rows[row.row_id].responsible_agencies == ()

    def test_a_row_carried_forward_without_a_category_keeps_its_own_whatever_area_it_is_given(self):
        """A red team, 2026-12-05: a `health` row ("Samtal") carried forward as "Skola" became a `school` row, its
        health goal shown to every member seeing `school`; the area's category won over the row's own."""
        story = CaseStory().accept().join("skola")
        # "Sömn", so that each carry below changes the area: a revision that changes nothing is refused.
        story.case.revise_plan(main_goal="Mål", rows=[PlanRowDraft(
            area="Sömn", goal="Sömn och medicin.", how="BUP", responsible="Mamma", category="health")],
            by=SOCIAL, at=story.at(), catalogue=CATALOGUE)
        row_id = next(iter(story.case.plan_rows))

        def carry(area: str, category: str | None = None) -> str:
            story.case.revise_plan(main_goal="Mål", rows=[PlanRowDraft(
                area=area, goal="Sömn och medicin.", how="BUP", responsible="Mamma", category=category,
                row_id=row_id)], by=SOCIAL, at=story.at(), catalogue=CATALOGUE)
            return story.case.plan_rows[row_id].category

        assert carry("Samtal") == "health" and carry("Psykisk hälsa") == "health"   # no catalogue area: its own
        with pytest.raises(errors.InvalidInput) as raised:
            carry("Skola")   # the catalogue's `school`: which one the content now is, the caseworker says
        assert raised.value.field == "rows[0].category" and story.case.plan_rows[row_id].category == "health"
        assert carry("Skola", "school") == "school"      # said so: a school row now
        assert carry(" skola ") == "school"              # the same area again: its own category, nothing to ask
        assert carry("Hälsa", "health") == "health" and carry("hälsa") == "health"

    def test_a_meeting_with_nobody_attending_and_nothing_minuted_is_refused(self):
        """The web form refused it (a caseworker helper, 2026-12-05: its date is filled in, so one click recorded an
        empty meeting every member saw); the API took it.  Anyone attending, or anything minuted, will do."""
        from services.web.error_texts import error_text

        story = CaseStory().accept()

        def meeting(**given):
            return story.case.record_meeting(**{"held_on": story.now.date(), "attendees": (), "other_attendees": (),
                                                "outcomes": (), "decisions": (), "next_meeting": None, "by": SOCIAL,
                                                "at": story.at(), "catalogue": CATALOGUE, **given})

        before = len(story.events)
        with pytest.raises(errors.EmptyMeeting) as raised:
            meeting(next_meeting=story.now.date() + timedelta(days=14))
        assert raised.value.field == "attendees" and len(story.events) == before
        assert "tomt möte" in error_text(raised.value.code, "")   # the one rule the web form says in Swedish too
        meeting(other_attendees=("Den unge",))
        meeting(decisions=(Decision("Nästa möte i maj.", "case"),))
        assert len(story.events) == before + 2

    def test_social_services_is_not_added_to_the_group_it_leads(self):
        story = CaseStory().accept()
        with pytest.raises(errors.InvalidInput) as raised:
            story.join("socialtjanst")
        assert raised.value.field == "agency" and "socialtjanst" not in story.case.members

    def test_a_contribution_comes_from_a_member(self):
        story = CaseStory().accept()
        with pytest.raises(errors.NotAGroupMember):
            story.contribute(SCHOOL, "school")

    def test_only_a_responsible_agency_follows_up_a_row(self):
        story = CaseStory().accept().join("skola", "polis", "bup")   # the plan names the school and BUP
        story.plan()
        school_row = next(r for r in story.case.plan_rows.values() if r.area == "Skola")
        story.case.record_follow_up(row_id=school_row.row_id, status="partly", note="Bättre.", by=SCHOOL,
                                    at=story.at(), catalogue=CATALOGUE)
        with pytest.raises(errors.NotResponsibleForRow):
            story.case.record_follow_up(row_id=school_row.row_id, status="partly", note="x", by=POLICE,
                                        at=story.at(), catalogue=CATALOGUE)

    def test_a_meetings_outcomes_come_from_attendees(self):
        story = CaseStory().accept().join("skola", "polis")
        with pytest.raises(errors.InvalidInput):
            story.case.record_meeting(held_on=story.now.date(), attendees=("skola",), other_attendees=(),
                                      outcomes=(Outcome("crime", "polis", "x"),), decisions=(Decision("d", "case"),),
                                      next_meeting=None, by=SOCIAL, at=story.at(), catalogue=CATALOGUE)

    def test_a_member_records_a_meeting_only_for_itself_and_learns_nothing_of_who_else_takes_part(self):
        story = CaseStory().accept().join("skola", "bup")
        meeting = lambda **kw: story.case.record_meeting(**{  # noqa: E731
            "held_on": story.now.date(), "attendees": ("bup",), "other_attendees": (), "decisions": (),
            "outcomes": (), "next_meeting": None, "by": BUP, "at": story.at(), "catalogue": CATALOGUE, **kw})
        refusals = []
        for other in ("skola", "sis"):   # a member and an agency outside the group: the same answer
            with pytest.raises(errors.InvalidInput) as raised:
                meeting(attendees=("bup", other))
            refusals.append((type(raised.value), raised.value.field, str(raised.value)))
        assert refusals[0] == refusals[1] and refusals[0][1] == "attendees.1"
        with pytest.raises(errors.InvalidInput) as raised:   # health news in the school's name: never
            meeting(attendees=("bup", "socialtjanst"), outcomes=(Outcome("health", "skola", "ADHD-utredning."),))
        assert raised.value.field == "outcomes.0.origin_agency"
        meeting(attendees=("bup", "socialtjanst"), outcomes=(Outcome("health", "bup", "Samtal pågår."),))

    def test_nothing_is_recorded_after_closure(self):
        story = CaseStory().accept().join("skola")
        story.case.close(reason="moved", outcome="Peter har flyttat.", by=SOCIAL, at=story.at(),
                         catalogue=CATALOGUE)
        with pytest.raises(errors.CaseIsClosed):
            story.contribute(SCHOOL, "school")

    def test_only_social_services_closes(self):
        story = CaseStory().accept().join("skola")
        with pytest.raises(errors.NotLeadAgency):
            story.case.close(reason="other", outcome="x", by=SCHOOL, at=story.at(), catalogue=CATALOGUE)

    def test_a_case_found_not_eligible_closes_as_such_and_no_other_case_does(self):
        """Its reasons were the group's ("Den unge avböjer" meant the young person declining the work), and
        "inte aktuell" none of them."""
        worked = CaseStory().accept()
        with pytest.raises(errors.ClosureReasonNotFitting) as refused:
            worked.case.close(reason="not_eligible", outcome="x", by=SOCIAL, at=worked.at(), catalogue=CATALOGUE)
        assert refused.value.field == "reason"
        declined = CaseStory()
        at = declined.at()
        declined.case.decide_eligibility(accepted=False, reasons="Ingen risk.", instruments=("SAVRY",),
                                         decided_on=at.date(), by=SOCIAL, at=at, catalogue=CATALOGUE)
        declined.case.close(reason="not_eligible", outcome="Stöd i socialtjänstens egen regi.", by=SOCIAL,
                            at=declined.at(), catalogue=CATALOGUE)
        assert declined.case.phase.value == "closed"

    def test_goals_met_closes_only_a_case_that_had_an_action_plan(self):
        """A case that never had a plan had no goals to meet: "Målen är nådda" on it misstated, in the record and in
        the follow-up statistics, why its work ended."""
        unplanned = CaseStory().accept().join("skola")
        with pytest.raises(errors.GoalsMetWithoutPlan) as refused:
            unplanned.case.close(reason="goals_met", outcome="x", by=SOCIAL, at=unplanned.at(), catalogue=CATALOGUE)
        assert (refused.value.field, refused.value.code) == ("reason", "goals_met_without_plan")
        assert isinstance(refused.value, errors.ClosureReasonNotFitting)   # answered as the other unfitting reason
        unplanned.case.close(reason="other", outcome="Flyttade utomlands.", by=SOCIAL, at=unplanned.at(),
                             catalogue=CATALOGUE)   # another reason closes it
        planned = CaseStory().accept().join("skola", "bup")
        planned.plan()
        planned.case.close(reason="goals_met", outcome="Peter har börjat gymnasiet.", by=SOCIAL, at=planned.at(),
                           catalogue=CATALOGUE)
        assert planned.case.phase is Phase.CLOSED

    def test_goals_met_is_refused_on_a_case_found_not_eligible_or_not_yet_decided(self):
        for story in (CaseStory(), _declined(CaseStory())):
            with pytest.raises(errors.GoalsMetWithoutPlan):
                story.case.close(reason="goals_met", outcome="x", by=SOCIAL, at=story.at(), catalogue=CATALOGUE)

    def test_commands_cannot_be_recorded_before_the_latest_event(self):
        story = CaseStory().accept()
        with pytest.raises(errors.ClockWentBackwards):
            story.accept(when=story.now - timedelta(days=1))


class TestRecordingTime:
    """A server's clock a little behind the case's latest event records at that event's time; far behind, refused."""

    def test_a_clock_at_or_after_the_latest_event_is_the_recording_time(self):
        story = CaseStory().accept()
        assert story.case.recording_time(story.now) == story.now
        assert story.case.recording_time(story.now + timedelta(seconds=1)) == story.now + timedelta(seconds=1)

    @pytest.mark.parametrize("behind", [timedelta(microseconds=1), timedelta(seconds=30), timedelta(minutes=5)])
    def test_a_clock_up_to_five_minutes_behind_records_at_the_latest_events_time(self, behind):
        story = CaseStory().accept()
        assert story.case.recording_time(story.now - behind) == story.now

    @pytest.mark.parametrize("behind", [timedelta(minutes=5, microseconds=1), timedelta(days=1)])
    def test_a_clock_further_behind_is_refused_naming_the_servers_clock(self, behind):
        story = CaseStory().accept()
        with pytest.raises(errors.ClockWentBackwards) as refused:
            story.case.recording_time(story.now - behind)
        assert "server's clock" in refused.value.message

    def test_a_recording_time_without_a_zone_is_refused(self):
        story = CaseStory().accept()
        with pytest.raises(errors.InvalidInput):
            story.case.recording_time(story.now.replace(tzinfo=None))


def _declined(story: CaseStory) -> CaseStory:
    at = story.at()
    story.case.decide_eligibility(accepted=False, reasons="Ingen risk för kriminell livsstil.", instruments=(),
                                  decided_on=at.date(), by=SOCIAL, at=at, catalogue=CATALOGUE)
    return story


def _do(story: CaseStory, command: str) -> None:
    at = story.at()
    if command == "plan":
        story.plan(when=at)
    elif command == "meeting":
        story.case.record_meeting(held_on=at.date(), attendees=(), other_attendees=("Den unge",), outcomes=(),
                                  decisions=(), next_meeting=None, by=SOCIAL, at=at, catalogue=CATALOGUE)
    elif command == "contribution":
        story.contribute(SOCIAL, "school", when=at)
    else:
        story.case.add_member(agency="skola", contact_person="K", role="kurator", by=SOCIAL, at=at,
                              catalogue=CATALOGUE)




def test_a_member_following_up_a_row_is_not_told_whether_there_is_a_plan():
    story = CaseStory().accept().join("polis", "skola", "bup")   # the plan names the school and BUP
    refusals = []
    for _ in range(2):
        with pytest.raises(errors.DomainError) as raised:
            story.case.record_follow_up(row_id="x", status="ongoing", note="n", by=POLICE, at=story.at(),
                                        catalogue=CATALOGUE)
        refusals.append((type(raised.value), raised.value.field, str(raised.value)))
        story.plan()
    assert refusals[0] == refusals[1] and refusals[0][0] is errors.UnknownPlanRow


@pytest.mark.parametrize("given", [
    [("young_person", "Maria")],            # the young person's consenter id: its own consent would count as hers
    [("ett-påhittat-id", "Maria")],         # never recorded
], ids=["the-young-persons-id", "an-unknown-id"])
def test_a_guardian_id_must_be_one_recorded_before(given):
    from domain.values import Guardian
    story = CaseStory().accept()
    with pytest.raises(errors.InvalidInput) as refused:
        story.case.record_guardians(guardians=[Guardian(i, n) for i, n in given], by=SOCIAL, at=story.at(),
                                    catalogue=CATALOGUE)
    assert refused.value.field == "guardians.0.guardian_id"
    assert story.case.guardians == {}


def test_one_guardian_listed_twice_is_refused_and_each_keeps_its_own_consent():
    """Two guardians under one id would be one: her consent alone would stand for both."""
    from domain.values import Guardian
    story = CaseStory().accept()
    maria, johan = story.guardians("Maria", "Johan")
    with pytest.raises(errors.InvalidInput) as refused:
        story.case.record_guardians(guardians=[Guardian(maria, "Maria"), Guardian(maria, "Johan")], by=SOCIAL,
                                    at=story.at(), catalogue=CATALOGUE)
    assert refused.value.field == "guardians.1.guardian_id"
    assert set(story.case.guardians) == {maria, johan}
    story.case.record_guardians(guardians=[Guardian(johan, "Johan", False), Guardian(maria, "Maria")], by=SOCIAL,
                                at=story.at(), catalogue=CATALOGUE)   # known ids, each once: a new record
    assert {g.guardian_id: g.has_custody for g in story.case.guardians.values()} == {maria: True, johan: False}
