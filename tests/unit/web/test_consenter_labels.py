"""Whose consent is missing, as the consents page and the plan's warning name the consenters: the young person by
name with the role ("Peter Exempel (den unge)") where the reader sees the name, as the extract and the consent
cards do — they said "den unge" alone — and the role word alone to a reader that does not see the case's subject."""

from __future__ import annotations

from domain.disclosure import disclosures_at
from domain.group_commands import PlanRowDraft
from services.web import consent_views, plan_views, views
from tests.builders import CATALOGUE, SCHOOL, SOCIAL, CaseStory


def _young_person_withdrawn() -> CaseStory:
    """The young person's consent to the police withdrawn, the guardians' still in force; the police responsible
    for a row of a category only consent lets it see."""
    story = CaseStory().accept()
    story.guardians("Maria", "Johan")
    ids = story.consent_all({"polis": ("case", "leisure"), "skola": ("school",)})
    story.join("polis", "skola")
    story.case.revise_plan(main_goal="Sluta med brott", rows=[PlanRowDraft(
        area="Fritid", goal="En aktivitet i veckan.", how="Fritidsgården.", responsible="Peter",
        responsible_agencies=("polis",))], by=SOCIAL, at=story.at(), catalogue=CATALOGUE)
    story.withdraw(ids[0])
    return story


def test_social_services_reads_the_young_persons_missing_consent_by_name():
    story = _young_person_withdrawn()
    seen = disclosures_at(story.events, "socialtjanst", story.now, CATALOGUE)
    picture = consent_views.picture(seen, CATALOGUE, story.now)
    assert picture.cells["polis", "leisure"].missing == ("Peter Exempel (den unge)",)
    [note] = [n for notes in plan_views.unseen_rows(seen, CATALOGUE, story.now).values() for n in notes]
    assert note == "Polisen är ansvarig men kan inte se raden: samtycke saknas från Peter Exempel (den unge) för Fritid."


def test_a_member_that_does_not_see_the_case_never_gets_the_name():
    """The school, its consents covering `school` alone, sees its own contribution but not the case's subject: the
    young person is the role to it, and neither the picture nor the plan's warnings are made of its view."""
    story = _young_person_withdrawn()
    story.contribute(SCHOOL, "school", "Frånvaro i mars.")
    seen = disclosures_at(story.events, "skola", story.now, CATALOGUE)
    assert seen and not [d for d in seen if d.fact.kind == "case.subject"]
    assert views.young_person_label(seen, in_sentence=True) == "den unge"
    assert views.young_person_label(seen) == "Den unge"
    assert consent_views.missing_labels(["young_person"], {}, views.young_person_label(
        seen, in_sentence=True)) == ("den unge",)
    assert consent_views.picture(seen, CATALOGUE, story.now) is None
    assert plan_views.unseen_rows(seen, CATALOGUE, story.now) == {}
    assert "Peter" not in repr([d.fact.content for d in seen])
