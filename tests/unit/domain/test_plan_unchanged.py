"""A revision of the action plan that changes nothing is refused: it recorded "Revision 2 … Inga ändringar du kan
se", kept for good and shown to every member."""

from __future__ import annotations

from dataclasses import replace

import pytest

from domain import case_events as ev
from domain.errors import PlanUnchanged
from domain.group_commands import PlanRowDraft
from tests.builders import CATALOGUE, SOCIAL, CaseStory

GOAL = "Sluta med brott"


def planned() -> tuple[CaseStory, str, list[PlanRowDraft]]:
    """A plan of two rows drawn up with the young person and a guardian; its rows as a form carries them forward."""
    story = CaseStory().accept().join("skola", "polis")
    maria, _ = story.guardians("Maria Exempel", "Johan Exempel")
    revise(story, [PlanRowDraft("Skola", "I tid", "Väckarklocka", "Mentor", ("skola", "polis"), "Varje vecka"),
                   PlanRowDraft("Fritid", "En fritidsaktivitet", "Fotboll", "Peter", category="leisure")],
           young_person_took_part=True, guardians_took_part=[maria])
    carried = [PlanRowDraft(r.area, r.goal, r.how, r.responsible, r.responsible_agencies, r.follow_up, r.category,
                            r.row_id) for r in story.case.plan_rows.values()]
    return story, maria, carried


def revise(story: CaseStory, rows: list[PlanRowDraft], goal: str = GOAL, **participation) -> int:
    return story.case.revise_plan(main_goal=goal, rows=rows, by=SOCIAL, at=story.at(), catalogue=CATALOGUE,
                                  **participation)


def revisions(story: CaseStory) -> int:
    return sum(isinstance(e, ev.PlanRevised) for e in story.events)


def test_the_same_plan_again_is_refused_and_records_nothing():
    story, maria, carried = planned()
    with pytest.raises(PlanUnchanged) as refused:
        revise(story, carried, f"  {GOAL} ", young_person_took_part=True, guardians_took_part=[maria])
    assert (refused.value.code, refused.value.field) == ("plan_unchanged", None)
    assert story.case.plan_revision == 1 and revisions(story) == 1


def test_a_plan_saved_unchanged_saying_nothing_of_who_took_part_is_refused_too():
    """The form does not fill in who took part again: saved unchanged, it says nothing of it."""
    story, _, carried = planned()
    with pytest.raises(PlanUnchanged):
        revise(story, carried)
    responsible_reordered = [replace(carried[0], responsible_agencies=("polis", "skola")), carried[1]]
    with pytest.raises(PlanUnchanged):   # the order they were ticked in is not the plan's content
        revise(story, responsible_reordered)
    assert revisions(story) == 1


@pytest.mark.parametrize("change", [
    lambda rows: {"goal": "Sluta med brott och gå i skolan", "rows": rows},
    lambda rows: {"rows": [replace(rows[0], follow_up="Varannan vecka"), rows[1]]},
    lambda rows: {"rows": [replace(rows[0], responsible_agencies=("skola",)), rows[1]]},
    lambda rows: {"rows": [replace(rows[0], category="crime"), rows[1]]},
    lambda rows: {"rows": rows[:1]},
    lambda rows: {"rows": [rows[1], rows[0]]},
    lambda rows: {"rows": [replace(rows[0], row_id=None), rows[1]]},   # a new row, with no follow-ups yet
    lambda rows: {"rows": rows, "young_person_took_part": False, "not_taking_part_reason": "Ville inte."},
    lambda rows: {"rows": rows, "young_person_took_part": True},   # the guardian did not take part this time
], ids=["goal", "follow_up", "responsible", "category", "row_removed", "order", "new_row", "young_person",
        "guardians"])
def test_a_revision_that_changes_anything_is_recorded(change):
    story, _, carried = planned()
    assert revise(story, **change(carried)) == 2 and revisions(story) == 2


def test_the_first_plan_and_a_plan_whose_participation_is_recorded_anew_are_recorded():
    story = CaseStory().accept()
    row = PlanRowDraft("Skola", "I tid", "Väckarklocka", "Mentor")
    assert revise(story, [row]) == 1
    carried = [replace(row, row_id=next(iter(story.case.plan_rows)))]
    assert revise(story, carried, young_person_took_part=True) == 2   # who took part, not recorded before
    with pytest.raises(PlanUnchanged):
        revise(story, carried, young_person_took_part=True)
