"""The view's answers, over facts judged by the disclosure rules (no database)."""

from __future__ import annotations

from domain.disclosure import disclosures_at
from domain.group_commands import PlanRowDraft
from domain.values import Decision, Outcome
from projections.agency_queries import current_plan, meetings, own_contributions, seen, timeline
from tests.builders import CATALOGUE, SCHOOL, SOCIAL, CaseStory


def visible(story: CaseStory, agency: str):
    return seen(disclosures_at(story.events, agency, story.now, CATALOGUE))


def story() -> CaseStory:
    s = CaseStory().accept()
    s.guardians("Maria")
    s.join("skola", "bup")
    s.consent_all({"skola": ("case", "school")})
    s.plan()
    s.plan()
    s.case.record_meeting(held_on=s.now.date(), attendees=("socialtjanst", "skola", "bup"), other_attendees=(),
                          outcomes=(Outcome("school", "skola", "Bättre närvaro."), Outcome("health", "bup", "Samtal.")),
                          decisions=(Decision("Följ upp.", "case"),), next_meeting=None, by=SOCIAL, at=s.at(),
                          catalogue=CATALOGUE)
    s.contribute(SCHOOL, "school", "Närvaro 90 %.")
    return s


def test_the_current_plan_is_the_latest_revision_with_only_the_rows_the_agency_may_see():
    plan = current_plan(visible(story(), "skola"))
    assert plan.revision == 2 and plan.main_goal == "Sluta med brott"
    assert [r.content["area"] for r in plan.rows] == ["Skola"]  # Hälsa needs `health`


def test_a_meeting_shows_only_the_parts_the_agency_may_see():
    (meeting,) = meetings(visible(story(), "skola"))
    texts = {p.content.get("text") for p in meeting.parts}
    agencies = {p.content.get("agency") for p in meeting.parts if p.kind == "meeting.attendee"}
    assert "Bättre närvaro." in texts and "Samtal." not in texts and "bup" not in agencies


def test_own_contributions_are_what_the_agency_recorded():
    # The meeting's outcome in the school's name was recorded by social services: the school sees it, under its
    # consent, as another's information, not among its own.
    own = own_contributions(visible(story(), "skola"))
    assert [f.content["text"] for f in own] == ["Närvaro 90 %."]
    (meeting,) = meetings(visible(story(), "skola"))
    assert [p.basis.kind for p in meeting.parts if p.kind == "meeting.outcome"] == ["consent"]


def test_the_timeline_is_in_the_order_things_happened():
    facts = timeline(visible(story(), "socialtjanst"))
    assert [f.version for f in facts] == sorted(f.version for f in facts)
    assert facts[0].kind == "case.opened"


def test_a_timeline_puts_numbered_parts_of_one_event_in_number_order():
    from types import SimpleNamespace

    from projections.agency_queries import timeline

    facts = [SimpleNamespace(version=v, fact_id=i) for v, i in
             ((3, "3.row.10"), (3, "3.row.2"), (2, "2"), (3, "3.goal"), (3, "3.row.1"), (12, "12"), (4, "4.to.polis"))]
    assert [f.fact_id for f in timeline(facts)] == ["2", "3.goal", "3.row.1", "3.row.2", "3.row.10", "4.to.polis",
                                                    "12"]  # not "12" before "2", nor "row.10" before "row.2"


def test_the_current_plan_says_who_drew_it_up_to_whoever_sees_its_goal_and_nothing_to_others():
    s = CaseStory().accept()
    maria = s.guardians("Maria")[0]
    s.join("skola", "bup")
    s.consent_all({"skola": ("school",), "bup": ("case", "health")})
    s.case.revise_plan(main_goal="Mål", rows=[PlanRowDraft("Skola", "I tid", "Alarm", "Mentor")], by=SOCIAL,
                       at=s.at(), catalogue=CATALOGUE, young_person_took_part=True, guardians_took_part=[maria])
    assert current_plan(visible(s, "bup")).participation == {
        "young_person_took_part": True, "guardians_took_part": [maria], "not_taking_part_reason": None}
    school = current_plan(visible(s, "skola"))   # `school` only: the row, not the goal
    assert school.main_goal is None and school.participation == {}
