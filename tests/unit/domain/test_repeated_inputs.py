"""A list input that names one thing twice is refused at the position of the repeat, never silently made a set.

Checked on the command only: events stored before, with a repeat in them, still apply as they were.
"""

from __future__ import annotations

import pytest

from domain import case_events as ev
from domain import errors
from domain.group_commands import PlanRowDraft
from domain.values import YOUNG_PERSON, PlanRow, ScopeEntry, scope_for, scope_pairs
from tests.builders import CATALOGUE, SCHOOL, SOCIAL, CaseStory


def grant(story: CaseStory, scope: list[ScopeEntry]) -> str:
    return story.case.grant_consent(consenter=YOUNG_PERSON, scope=scope, purpose="Samverkan",
                                    valid_from=story.now.date(), valid_until=None, form="written", by=SOCIAL,
                                    at=story.at(), catalogue=CATALOGUE)


def narrow(story: CaseStory, consent_id: str, scope: list[ScopeEntry]) -> None:
    story.case.narrow_consent(consent_id=consent_id, consenter=YOUNG_PERSON, scope=scope, valid_until=None,
                              by=SOCIAL, at=story.at(), catalogue=CATALOGUE)


class TestConsentScope:
    def test_an_agency_named_twice_is_refused_at_its_second_entry_saying_to_merge(self):
        story = CaseStory().accept()
        with pytest.raises(errors.InvalidInput) as refused:
            grant(story, [ScopeEntry("skola", ("school",)), ScopeEntry("polis", ("crime",)),
                          ScopeEntry("skola", ("health",))])
        assert refused.value.field == "scope.2.agency"
        assert "merge" in refused.value.message and "twice" in refused.value.message
        assert story.case.consents == {}

    def test_a_category_named_twice_for_one_agency_is_refused_at_the_repeat(self):
        story = CaseStory().accept()
        with pytest.raises(errors.InvalidInput) as refused:
            grant(story, [ScopeEntry("skola", ("school", "health", "school"))])
        assert refused.value.field == "scope.0.categories.2"
        assert story.case.consents == {}

    def test_an_unknown_agency_or_category_is_named_by_its_position(self):
        story = CaseStory().accept()
        with pytest.raises(errors.InvalidInput) as refused:
            grant(story, [ScopeEntry("skola", ("school",)), ScopeEntry("nasa", ("school",))])
        assert refused.value.field == "scope.1.agency"
        with pytest.raises(errors.InvalidInput) as refused:
            grant(story, [ScopeEntry("skola", ("school", "gossip"))])
        assert refused.value.field == "scope.0.categories.1"

    def test_the_same_category_for_two_agencies_is_no_repeat(self):
        story = CaseStory().accept()
        consent = grant(story, [ScopeEntry("skola", ("case",)), ScopeEntry("bup", ("case",))])
        assert scope_pairs(story.case.consents[consent].scope) == {("skola", "case"), ("bup", "case")}

    def test_a_narrowing_naming_an_agency_or_category_twice_is_refused(self):
        story = CaseStory().accept()
        consent = story.consent(YOUNG_PERSON, {"skola": ("case", "school", "health")})
        with pytest.raises(errors.InvalidInput) as refused:
            narrow(story, consent, [ScopeEntry("skola", ("case",)), ScopeEntry("skola", ("school",))])
        assert refused.value.field == "scope.1.agency"
        with pytest.raises(errors.InvalidInput) as refused:
            narrow(story, consent, [ScopeEntry("skola", ("case", "case"))])
        assert refused.value.field == "scope.0.categories.1"
        assert scope_pairs(story.case.consents[consent].scope) == {("skola", "case"), ("skola", "school"),
                                                                   ("skola", "health")}

    def test_a_narrowing_cannot_add_an_agency(self):
        story = CaseStory().accept()
        consent = story.consent(YOUNG_PERSON, {"skola": ("case", "school")})
        with pytest.raises(errors.NarrowingMustShrink) as refused:
            narrow(story, consent, [ScopeEntry("skola", ("case",)), ScopeEntry("polis", ("case",))])
        assert refused.value.field == "scope"
        assert scope_for(story.case.consents[consent].scope, "polis") == ()

    def test_a_consent_stored_with_a_repeat_still_applies_and_narrows(self):
        """Stored before the rule (or by another version): replay never fails on it."""
        story = CaseStory().accept()
        story.case._trigger(ev.ConsentGranted, story.at(), SOCIAL, consent_id="old", consenter=YOUNG_PERSON,
                            scope=(ScopeEntry("skola", ("school", "school")), ScopeEntry("skola", ("health",))),
                            purpose="Samverkan", valid_from=story.now.date(), valid_until=None, form="written")
        assert scope_for(story.case.consents["old"].scope, "skola") == ("health", "school")
        narrow(story, "old", [ScopeEntry("skola", ("school",))])
        assert scope_pairs(story.case.consents["old"].scope) == {("skola", "school")}


class TestGroupLists:
    def test_an_attendee_named_twice_is_refused_at_the_repeat(self):
        story = CaseStory().accept().join("skola", "polis")
        for by in (SOCIAL, SCHOOL):
            with pytest.raises(errors.InvalidInput) as refused:
                story.case.record_meeting(held_on=story.now.date(), attendees=["skola", "socialtjanst", "skola"],
                                          other_attendees=[], outcomes=[], decisions=[], next_meeting=None, by=by,
                                          at=story.at(), catalogue=CATALOGUE)
            assert refused.value.field == "attendees.2" and "twice among the attendees" in refused.value.message
        assert not [e for e in story.events if isinstance(e, ev.MeetingHeld)]

    def test_a_responsible_agency_named_twice_on_a_row_is_refused_at_the_repeat(self):
        story = CaseStory().accept().join("skola")
        with pytest.raises(errors.InvalidInput) as refused:
            story.case.revise_plan(main_goal="Mål", rows=[
                PlanRowDraft(area="Skola", goal="I tid", how="Väckarklocka", responsible="Mentor",
                             responsible_agencies=("skola",)),
                PlanRowDraft(area="Skola", goal="Närvaro", how="Samtal", responsible="Mentor",
                             responsible_agencies=("skola", "skola"))], by=SOCIAL, at=story.at(), catalogue=CATALOGUE)
        assert refused.value.field == "rows[1].responsible_agencies.1"
        assert story.case.plan_revision == 0

    def test_one_row_of_the_plan_carried_forward_twice_is_refused(self):
        """Two rows under one id: the plan kept one of them, and a follow-up of that id named either."""
        story = CaseStory().accept().join("skola", "bup")
        story.plan()
        row_id = next(iter(story.case.plan_rows))
        carried = PlanRowDraft(area="Hälsa", goal="Inga droger", how="Samtal", responsible="Peter",
                               responsible_agencies=("bup",), row_id=row_id)
        with pytest.raises(errors.InvalidInput) as refused:
            story.case.revise_plan(main_goal="Mål", rows=[carried, carried], by=SOCIAL, at=story.at(),
                                   catalogue=CATALOGUE)
        assert refused.value.field == "rows[1].row_id"
        assert story.case.plan_revision == 1

    def test_an_instrument_named_twice_is_refused_at_the_repeat(self):
        story = CaseStory()
        with pytest.raises(errors.InvalidInput) as refused:
            story.case.decide_eligibility(accepted=True, reasons="Hög risk.", instruments=("SAVRY", "ESTER", "SAVRY"),
                                          decided_on=story.now.date(), by=SOCIAL, at=story.at(), catalogue=CATALOGUE)
        assert refused.value.field == "instruments.2"

    def test_an_agency_added_to_the_group_twice_was_already_refused(self):
        story = CaseStory().accept().join("skola")
        with pytest.raises(errors.AlreadyAGroupMember) as refused:
            story.join("skola")
        assert refused.value.field == "agency"

    def test_a_meeting_and_a_plan_stored_with_repeats_still_apply(self):
        story = CaseStory().accept().join("skola")
        story.case._trigger(ev.MeetingHeld, story.at(), SOCIAL, meeting_id="old", held_on=story.now.date(),
                            attendees=("skola", "skola"), other_attendees=(), outcomes=(), decisions=(),
                            next_meeting=None)
        row = PlanRow(row_id="r", area="Skola", category="school", goal="I tid", how="Så", responsible="Mentor",
                      responsible_agencies=("skola", "skola"))
        story.case._trigger(ev.PlanRevised, story.at(), SOCIAL, revision=1, main_goal="Mål", rows=(row, row))
        assert story.case.plan_rows == {"r": row}
