"""Who took part in drawing up each revision of the action plan ("i samråd med individen och berörda parter")."""

from __future__ import annotations

import pytest

from domain import case_events as ev
from domain.errors import InvalidInput
from domain.facts import facts_of
from domain.group_commands import PlanRowDraft
from domain.values import PlanParticipation
from tests.builders import CATALOGUE, SOCIAL, CaseStory

ROW = PlanRowDraft(area="Skola", goal="I tid", how="Väckarklocka", responsible="Mentor")


def story_with_guardians() -> tuple[CaseStory, list[str]]:
    story = CaseStory().accept()
    return story, story.guardians("Maria Exempel", "Johan Exempel")


def revise(story: CaseStory, **participation) -> int:
    return story.case.revise_plan(main_goal="Sluta med brott", rows=[ROW], by=SOCIAL, at=story.at(),
                                  catalogue=CATALOGUE, **participation)


def last_plan(story: CaseStory) -> ev.PlanRevised:
    return [e for e in story.events if isinstance(e, ev.PlanRevised)][-1]


def goal_fact(story: CaseStory):
    event = last_plan(story)
    return next(f for f in facts_of(event, story.case, CATALOGUE) if f.kind == "plan.goal")


def test_a_revision_records_that_the_young_person_and_a_guardian_drew_it_up():
    story, (maria, _) = story_with_guardians()
    revise(story, young_person_took_part=True, guardians_took_part=[maria])
    assert last_plan(story).participation == PlanParticipation(True, (maria,))


def test_participation_travels_with_the_plan_s_goal_as_the_case_s_administration_by_guardian_id_not_name():
    story, (maria, johan) = story_with_guardians()
    revise(story, young_person_took_part=True, guardians_took_part=[maria, johan])
    goal = goal_fact(story)
    assert goal.category == "case"
    assert goal.content["young_person_took_part"] is True
    assert goal.content["guardians_took_part"] == (maria, johan)
    assert goal.content["not_taking_part_reason"] is None
    assert "Maria" not in repr(dict(goal.content))


def test_a_young_person_who_did_not_take_part_needs_a_reason():
    story, _ = story_with_guardians()
    with pytest.raises(InvalidInput) as raised:
        revise(story, young_person_took_part=False)
    assert raised.value.field == "not_taking_part_reason" and story.case.plan_revision == 0
    revise(story, young_person_took_part=False, not_taking_part_reason="  Ville inte komma.  ")
    assert last_plan(story).participation == PlanParticipation(False, (), "Ville inte komma.")
    assert goal_fact(story).content["not_taking_part_reason"] == "Ville inte komma."


def test_a_reason_beside_a_young_person_who_took_part_is_refused():
    story, _ = story_with_guardians()
    with pytest.raises(InvalidInput) as raised:
        revise(story, young_person_took_part=True, not_taking_part_reason="Sjuk.")
    assert raised.value.field == "not_taking_part_reason"


def test_only_guardians_of_the_case_s_record_can_have_taken_part():
    story, (maria, johan) = story_with_guardians()
    with pytest.raises(InvalidInput) as raised:
        revise(story, young_person_took_part=True, guardians_took_part=[maria, "young_person"])
    assert raised.value.field == "guardians_took_part.1"
    with pytest.raises(InvalidInput) as raised:
        revise(story, young_person_took_part=True, guardians_took_part=[johan, johan])
    assert raised.value.field == "guardians_took_part.1"
    # A new record without Johan: he is no longer the young person's guardian in the case.
    story.case.record_guardians(guardians=[story.case.guardians[maria]], by=SOCIAL, at=story.at(),
                                catalogue=CATALOGUE)
    with pytest.raises(InvalidInput) as raised:
        revise(story, young_person_took_part=True, guardians_took_part=[johan])
    assert raised.value.field == "guardians_took_part.0" and story.case.plan_revision == 0


def test_guardians_or_a_reason_without_saying_whether_the_young_person_took_part_are_refused():
    story, (maria, _) = story_with_guardians()
    for given in ({"guardians_took_part": [maria]}, {"not_taking_part_reason": "Sjuk."}):
        with pytest.raises(InvalidInput) as raised:
            revise(story, **given)
        assert raised.value.field == "young_person_took_part"


def test_a_revision_recorded_without_participation_says_it_was_not_recorded():
    story = CaseStory().accept()
    revise(story)
    assert last_plan(story).participation is None
    assert goal_fact(story).content["young_person_took_part"] is None
    assert goal_fact(story).content["guardians_took_part"] == ()
