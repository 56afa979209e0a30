"""The plan's "upprättad i samråd med …" and the calendar's "… fyller 18 år" name the young person as the reader's
own view does ("Peter Exempel (den unge)"), as the consent lines do — they said the role word alone even to social
services, which sees the name — and a reader whose view does not hold the name still reads "den unge"."""

from __future__ import annotations

from domain.disclosure import disclosures_at
from domain.group_commands import PlanRowDraft
from services.audit_text import describe_for_auditor
from services.web import consent_views, views
from tests.builders import CATALOGUE, SOCIAL, CaseStory, utc


def _story() -> CaseStory:
    """A plan drawn up with the young person, and the calendar past their 18th birthday (2027-03-14)."""
    story = CaseStory().accept()
    story.guardians("Maria", "Johan")
    story.consent_all({"skola": ("case", "school")})
    story.join("skola")
    story.case.revise_plan(main_goal="Gå i skolan.", rows=[PlanRowDraft(
        area="Skola", goal="Närvaro.", how="Mentor.", responsible="Mentor", responsible_agencies=("skola",))],
        by=SOCIAL, at=story.at(), catalogue=CATALOGUE, young_person_took_part=True,
        guardians_took_part=tuple(story.case.guardians)[:1])
    story.case.note_calendar(at=story.at(utc(2027, 3, 14, 12)), catalogue=CATALOGUE)
    return story


def _lines(seen, recipient: str, **kwargs) -> dict[str, list[str]]:
    items = views.timeline(seen, CATALOGUE, recipient=recipient, **kwargs)
    return {kind: [i.text for i in items if i.kind == kind] for kind in ("plan.goal", "calendar")}


def test_social_services_reads_the_plans_and_the_birthdays_lines_with_the_name():
    seen = disclosures_at(_story().events, "socialtjanst", utc(2027, 3, 15), CATALOGUE)
    for lines in (_lines(seen, "socialtjanst"),   # its page, and a replay of it
                  _lines(seen, "socialtjanst", describe=describe_for_auditor)):
        assert lines["plan.goal"] == ["Åtgärdsplan, revision 1: huvudmål ”Gå i skolan.”; upprättad i samråd med"
                                      " Peter Exempel (den unge): ja; vårdnadshavare som deltog: 1"]
        assert "Peter Exempel (den unge) fyller 18 år (2027-03-14)" in lines["calendar"]


def test_a_member_reads_the_plans_line_with_the_name_its_own_view_holds():
    """The school's consents cover `case`: it sees the case's subject, and the goal (the calendar is social
    services' alone)."""
    seen = disclosures_at(_story().events, "skola", utc(2027, 3, 15), CATALOGUE)
    lines = _lines(seen, "skola")
    assert lines["plan.goal"][0].endswith("upprättad i samråd med Peter Exempel (den unge): ja;"
                                          " vårdnadshavare som deltog: 1")
    assert lines["calendar"] == []


def test_a_reader_whose_view_does_not_hold_the_name_reads_the_role_word():
    """Without the subject in the reader's view (here taken out, as a view without `case` consent for the name would
    be), the role word: the lines never take the name from anywhere but the reader's own facts."""
    story = _story()
    for agency in ("socialtjanst", "skola"):
        seen = [d for d in disclosures_at(story.events, agency, utc(2027, 3, 15), CATALOGUE)
                if d.fact.kind != "case.subject"]
        for lines in (_lines(seen, agency), _lines(seen, agency, describe=describe_for_auditor)):
            assert "Peter" not in repr(lines), agency
            assert lines["plan.goal"][0].endswith("upprättad i samråd med den unge: ja; vårdnadshavare som deltog: 1")
            if agency == "socialtjanst":
                assert "Den unge fyller 18 år (2027-03-14)" in lines["calendar"]


def test_the_consents_page_names_who_turns_18_as_its_reader_does():
    story = _story()
    before = utc(2026, 6, 1)
    seen = disclosures_at(story.events, "socialtjanst", before, CATALOGUE)
    picture = consent_views.picture(seen, CATALOGUE, before)
    assert picture is not None and picture.turns_18 is not None
    assert picture.young_person == "Peter Exempel (den unge)"
