"""A meeting planned on its own: social services schedules the group's next meeting (a new group's first network
meeting), moves it or calls it off; the fact meeting.scheduled reaches exactly those who could see a meeting's
next meeting (category case), and the latest recorded — a scheduling or a meeting's, but for a meeting held before
one already recorded (``values.plans_anew``) — is the next meeting, for the domain as for every reader's page."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from domain import case_events as ev
from domain.disclosure import disclosures_at
from domain.errors import (
    CaseIsClosed, DateBeforeReferral, EligibilityNotAccepted, InvalidInput, NextMeetingUnchanged, NotLeadAgency,
)
from domain.values import YOUNG_PERSON, PlannedMeeting
from projections.agency_queries import next_meeting, seen
from services.web.error_texts import error_text
from tests.builders import CATALOGUE, POLICE, SCHOOL, SOCIAL, CaseStory, utc


@pytest.fixture
def story() -> CaseStory:
    s = CaseStory(start=utc(2026, 2, 2)).accept()
    s.guardians("Maria")
    s.join("skola", "polis")
    return s


def schedule(story: CaseStory, on: date | None, by=SOCIAL, **fields) -> None:
    """Planned as the service plans it: judged against the next meeting social services is shown now, unless the
    test says another."""
    fields.setdefault("shown", shown_to(story, SOCIAL.agency))
    story.case.plan_next_meeting(next_meeting=on, **fields, by=by, at=story.at(), catalogue=CATALOGUE)


def scheduled_facts(story: CaseStory, agency: str) -> list[dict]:
    return [dict(d.fact.content) for d in disclosures_at(story.events, agency, story.now, CATALOGUE)
            if d.fact.kind == "meeting.scheduled"]


def soon(story: CaseStory, days: int = 14) -> date:
    return story.now.date() + timedelta(days=days)


class TestScheduling:
    def test_a_new_group_s_first_meeting_is_planned_with_no_meeting_held(self, story):
        schedule(story, soon(story), kind="natverksmote")
        assert shown_to(story, SOCIAL.agency) == PlannedMeeting(soon(story), "natverksmote")
        assert isinstance(story.events[-1], ev.MeetingScheduled)

    def test_the_kind_may_be_left_out(self, story):
        schedule(story, soon(story))
        assert story.events[-1].meeting_kind is None

    def test_moving_it_records_a_new_scheduling_that_replaces_the_first(self, story):
        schedule(story, soon(story))
        schedule(story, soon(story, 21), kind="individmote")
        assert shown_to(story, SOCIAL.agency) == PlannedMeeting(soon(story, 21), "individmote")
        assert [type(e) for e in story.events[-2:]] == [ev.MeetingScheduled, ev.MeetingScheduled]

    def test_calling_it_off_leaves_no_next_meeting_and_names_the_day(self, story):
        schedule(story, soon(story))
        schedule(story, None)
        assert shown_to(story, SOCIAL.agency) is None
        assert isinstance(story.events[-1], ev.MeetingCalledOff) and story.events[-1].called_off == soon(story)

    def test_a_meeting_s_next_meeting_can_be_moved_and_called_off(self, story):
        story.case.record_meeting(held_on=story.now.date(), attendees=("skola",), other_attendees=(), outcomes=(),
                                  decisions=(), next_meeting=soon(story), by=SOCIAL, at=story.at(),
                                  catalogue=CATALOGUE)
        schedule(story, soon(story, 7))
        assert shown_to(story, SOCIAL.agency) == PlannedMeeting(soon(story, 7))
        schedule(story, None)
        assert story.events[-1].called_off == soon(story, 7)

    def test_today_is_a_day_to_plan(self, story):
        schedule(story, story.now.date())
        assert shown_to(story, SOCIAL.agency) == PlannedMeeting(story.now.date())


class TestRefusals:
    def test_only_social_services_plans_the_group_s_meetings(self, story):
        with pytest.raises(NotLeadAgency):
            schedule(story, soon(story), by=SCHOOL)

    def test_a_case_not_yet_found_eligible_has_no_group_to_meet(self):
        story = CaseStory()
        with pytest.raises(EligibilityNotAccepted):
            schedule(story, soon(story))

    def test_a_closed_case_plans_nothing(self, story):
        story.case.close(reason="moved", outcome="Flyttat.", by=SOCIAL, at=story.at(), catalogue=CATALOGUE)
        with pytest.raises(CaseIsClosed):
            schedule(story, soon(story))

    def test_a_day_already_over_is_refused(self, story):
        story.at(utc(2026, 3, 10))
        with pytest.raises(InvalidInput) as refused:
            schedule(story, date(2026, 3, 9))
        assert refused.value.field == "next_meeting" and refused.value.code == "invalid_input"

    def test_a_day_before_the_referral_is_refused_as_every_date_of_the_group_s_work(self, story):
        with pytest.raises(DateBeforeReferral) as refused:
            schedule(story, date(2026, 2, 1))
        assert refused.value.field == "next_meeting"

    def test_a_day_outside_the_calendar_is_refused(self, story):
        with pytest.raises(InvalidInput) as refused:
            schedule(story, date(2300, 1, 1))
        assert refused.value.field == "next_meeting"

    def test_an_unknown_kind_is_refused(self, story):
        with pytest.raises(InvalidInput) as refused:
            schedule(story, soon(story), kind="fika")
        assert refused.value.field == "kind"

    def test_the_same_day_and_kind_again_is_refused_as_unchanged(self, story):
        schedule(story, soon(story), kind="natverksmote")
        with pytest.raises(NextMeetingUnchanged) as refused:
            schedule(story, soon(story), kind="natverksmote")
        assert refused.value.field == "next_meeting" and refused.value.code == "next_meeting_unchanged"
        assert error_text(refused.value.code, str(refused.value)) != str(refused.value)   # said in Swedish

    def test_calling_off_where_none_is_planned_is_refused_as_unchanged(self, story):
        with pytest.raises(NextMeetingUnchanged):
            schedule(story, None)

    def test_calling_off_takes_no_kind(self, story):
        schedule(story, soon(story))
        with pytest.raises(InvalidInput) as refused:
            schedule(story, None, kind="natverksmote")
        assert refused.value.field == "kind"

    def test_a_member_s_planned_meeting_changes_none_of_social_services_answers(self, story):
        # The school's meeting (its own fact, which social services sees only under consent) planned a next
        # meeting: social services is shown none, and is told so whether the school planned one or not.
        story.case.record_meeting(held_on=story.now.date(), attendees=("skola",), other_attendees=(), outcomes=(),
                                  decisions=(), next_meeting=soon(story), by=SCHOOL, at=story.at(),
                                  catalogue=CATALOGUE)
        assert shown_to(story, SOCIAL.agency) is None
        with pytest.raises(NextMeetingUnchanged):
            schedule(story, None)
        schedule(story, soon(story))   # not "unchanged": none is shown it
        assert story.events[-1].scheduled_on == soon(story)


def meeting(story: CaseStory, held_on: date, next_on: date | None, by=SOCIAL) -> None:
    story.case.record_meeting(held_on=held_on, attendees=("skola",), other_attendees=(), outcomes=(), decisions=(),
                              next_meeting=next_on, by=by, at=story.at(), catalogue=CATALOGUE)


def shown_to(story: CaseStory, agency: str) -> PlannedMeeting | None:
    planned = next_meeting(seen(disclosures_at(story.events, agency, story.now, CATALOGUE)))
    return None if planned is None else PlannedMeeting(planned.on, planned.kind)


class TestJudgedAgainstWhatIsShown:
    """The service says what social services sees (``shown``, its page's next meeting): the command judges by it."""

    def test_the_meeting_shown_is_already_planned_and_its_day_is_the_one_called_off(self, story):
        schedule(story, soon(story), kind="natverksmote")
        shown = PlannedMeeting(soon(story, 21))   # a member's meeting, seen through consent, planned it later
        with pytest.raises(NextMeetingUnchanged):
            schedule(story, soon(story, 21), shown=shown)
        schedule(story, soon(story), kind="natverksmote", shown=shown)   # its own day, not shown: planned anew
        schedule(story, None, shown=PlannedMeeting(soon(story, 21)))
        assert story.events[-1].called_off == soon(story, 21)

    def test_what_social_services_is_shown_is_never_left_out(self, story):
        # Left out, the command judged by social services' own plans — told "already planned" of a day its page no
        # longer showed, calling off a day it did not show — while every caller in the services said what it shows.
        with pytest.raises(TypeError):
            story.case.plan_next_meeting(next_meeting=soon(story), by=SOCIAL, at=story.at(), catalogue=CATALOGUE)
        assert not any(isinstance(e, (ev.MeetingScheduled, ev.MeetingCalledOff)) for e in story.events)

    def test_none_shown_is_none_to_call_off_whatever_social_services_planned(self, story):
        schedule(story, soon(story))
        with pytest.raises(NextMeetingUnchanged):
            schedule(story, None, shown=None)
        schedule(story, soon(story), shown=None)
        assert story.events[-1].scheduled_on == soon(story)


class TestTheLatestPlan:
    """Which plan stands is one rule (``values.plans_anew``) for every reader's ``agency_queries.next_meeting``,
    social services' planning judged against its own: a back-dated meeting plans nothing."""

    def test_a_meeting_recorded_late_for_an_earlier_day_plans_nothing(self, story):
        day = story.at(utc(2026, 2, 20)).date()
        meeting(story, day, soon(story, 21))
        meeting(story, day - timedelta(days=1), soon(story, 7))   # its minutes written after the later meeting's
        assert shown_to(story, "socialtjanst") == PlannedMeeting(soon(story, 21))
        with pytest.raises(NextMeetingUnchanged):
            schedule(story, soon(story, 21))
        schedule(story, None)
        assert story.events[-1].called_off == soon(story, 21)

    def test_a_meeting_held_the_same_day_or_later_plans_anew_and_a_scheduling_always_does(self, story):
        day = story.at(utc(2026, 2, 20)).date()
        meeting(story, day - timedelta(days=1), soon(story, 7))
        schedule(story, soon(story, 14))
        meeting(story, day - timedelta(days=2), soon(story, 3))   # back-dated: the scheduling stands
        assert shown_to(story, "socialtjanst") == PlannedMeeting(soon(story, 14))
        meeting(story, day - timedelta(days=1), soon(story, 21))   # the latest day held again: plans anew
        assert shown_to(story, "socialtjanst") == PlannedMeeting(soon(story, 21))
        meeting(story, day, None)   # held later with no next meeting: none planned
        assert shown_to(story, "socialtjanst") is None


class TestDisclosure:
    def test_it_reaches_a_member_whose_consent_covers_the_case_and_no_other(self, story):
        story.consent_all({"skola": ("case",)})
        schedule(story, soon(story), kind="natverksmote")
        assert scheduled_facts(story, "skola") == [
            {"next_meeting": soon(story), "meeting_kind": "natverksmote", "called_off": None}]
        assert scheduled_facts(story, "polis") == []
        assert len(scheduled_facts(story, "socialtjanst")) == 1

    def test_a_member_sees_it_exactly_when_it_sees_a_meeting_s_next_meeting(self, story):
        story.consent_all({"skola": ("school",), "polis": ("case",)})
        story.case.record_meeting(held_on=story.now.date(), attendees=("skola",), other_attendees=(), outcomes=(),
                                  decisions=(), next_meeting=soon(story), by=SOCIAL, at=story.at(),
                                  catalogue=CATALOGUE)
        schedule(story, soon(story, 7))
        for agency in ("skola", "polis", "bup"):
            seen = {d.fact.kind for d in disclosures_at(story.events, agency, story.now, CATALOGUE)}
            assert ("meeting" in seen) == ("meeting.scheduled" in seen), agency

    def test_calling_off_is_told_as_a_scheduling_with_no_day(self, story):
        story.consent_all({"skola": ("case",)})
        schedule(story, soon(story))
        schedule(story, None)
        assert scheduled_facts(story, "skola")[-1] == {"next_meeting": None, "meeting_kind": None,
                                                       "called_off": soon(story)}

    def test_a_withdrawn_consent_discloses_no_later_scheduling(self, story):
        consent, _ = story.consent_all({"skola": ("case",)})
        schedule(story, soon(story))
        story.withdraw(consent, YOUNG_PERSON)
        schedule(story, soon(story, 21))
        assert [f["next_meeting"] for f in scheduled_facts(story, "skola")] == []   # none in force now
        assert [d.fact.content["next_meeting"] for d in disclosures_at(
            story.events, "skola", story.now - timedelta(minutes=2), CATALOGUE)
            if d.fact.kind == "meeting.scheduled"] == [soon(story)]


def test_a_stored_scheduling_without_a_kind_reads_as_stored():
    # The kind has a default: a scheduling stored without one (and any field added later, given its default)
    # still loads.
    event = ev.MeetingScheduled(originator_id=CaseStory().case.id, originator_version=9,
                                timestamp=utc(2026, 3, 1), recorded_by=SOCIAL, scheduled_on=date(2026, 3, 9))
    assert event.meeting_kind is None


def test_police_is_a_member_not_told(story):
    schedule(story, soon(story))
    assert scheduled_facts(story, POLICE.agency) == []
