"""Guardians recorded again as the case already has them are refused: the record made a new identical fact, a new
version and a feed message to every member that sees `family`, saying nothing new."""

from __future__ import annotations

import pytest

from domain import case_events as ev
from domain.errors import GuardiansUnchanged
from domain.values import Guardian
from tests.builders import CATALOGUE, SOCIAL, CaseStory


def recorded() -> tuple[CaseStory, list[Guardian]]:
    story = CaseStory().accept()
    story.guardians("Maria Exempel", "Johan Exempel")
    return story, list(story.case.guardians.values())


def record(story: CaseStory, guardians: list[Guardian]) -> None:
    story.case.record_guardians(guardians=guardians, by=SOCIAL, at=story.at(), catalogue=CATALOGUE)


def records(story: CaseStory) -> int:
    return sum(isinstance(e, ev.GuardiansRecorded) for e in story.events)


def test_the_same_guardians_again_are_refused_and_record_nothing():
    story, guardians = recorded()
    version = story.case.version
    with pytest.raises(GuardiansUnchanged) as refused:
        record(story, [Guardian(g.guardian_id, f" {g.name}  ", g.has_custody) for g in guardians])
    assert (refused.value.code, refused.value.field) == ("guardians_unchanged", "guardians")
    with pytest.raises(GuardiansUnchanged):   # their order is only how they were listed
        record(story, guardians[::-1])
    assert records(story) == 1 and story.case.version == version


@pytest.mark.parametrize("change", [
    lambda gs: [Guardian(gs[0].guardian_id, "Maria Andersson"), gs[1]],
    lambda gs: [gs[0], Guardian(gs[1].guardian_id, gs[1].name, False)],
    lambda gs: gs[:1],
    lambda gs: [*gs, Guardian("", "Anna Exempel", False)],
    lambda gs: [Guardian("", gs[0].name), gs[1]],   # a new guardian of the same name: another person, another id
], ids=["name", "custody", "one_left", "one_added", "new_id"])
def test_guardians_that_change_anything_are_recorded(change):
    story, guardians = recorded()
    record(story, change(guardians))
    assert records(story) == 2


def test_a_guardian_recorded_again_after_leaving_the_record_is_a_change():
    story, guardians = recorded()
    record(story, guardians[:1])
    record(story, guardians)
    assert records(story) == 3
