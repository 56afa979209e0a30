"""The consent picture's *ja, t.o.m. …*: when the agency's sight of the category lapses, as a consent basis tells it
(``basis_text.lapses``) — one person's two consents to the same part last to the later one's end.  It took the first
end among the cell's consents, so June where the disclosure lasted to December.  Each cell is one part: a consent's
other parts (an earlier end to another category) do not bound it, and its title, the basis, says the same end."""

from __future__ import annotations

from datetime import date

from domain.disclosure import disclosures_at
from services.web import consent_views, deadlines
from tests.builders import BORN_2003_06_10, CATALOGUE, CaseStory

JUNE, SEPTEMBER, DECEMBER = date(2026, 6, 30), date(2026, 9, 30), date(2026, 12, 31)


def _adult() -> CaseStory:
    """A 22-year-old's case, the school in the group: the young person's consent alone counts."""
    return CaseStory(BORN_2003_06_10, entry_route="known", referring_agency="socialtjanst").accept().join("skola")


def _cells(story: CaseStory) -> dict:
    seen = disclosures_at(story.events, "socialtjanst", story.now, CATALOGUE)
    return consent_views.picture(seen, CATALOGUE, story.now).cells


def test_one_persons_two_consents_to_the_same_part_last_to_the_later_ones_end():
    story = _adult()
    story.consent(scope={"skola": ("case", "school", "health")}, valid_until=JUNE)
    story.consent(scope={"skola": ("case", "school")}, valid_until=DECEMBER)
    cells = _cells(story)
    assert (cells["skola", "school"].until, cells["skola", "case"].until) == (DECEMBER, DECEMBER)
    assert "t.o.m. 2026-12-31" in cells["skola", "school"].basis, cells["skola", "school"].basis


def test_guard_a_part_only_the_earlier_consent_covers_lapses_at_its_end():
    story = _adult()
    story.consent(scope={"skola": ("case", "school", "health")}, valid_until=JUNE)
    story.consent(scope={"skola": ("case", "school")}, valid_until=DECEMBER)
    assert _cells(story)["skola", "health"].until == JUNE


def test_under_18_the_young_persons_later_end_then_the_guardians_first_bounds_it():
    """The young person's two consents last to December; the guardian's, needed beside them, ends in September."""
    story = CaseStory().accept().join("skola")
    maria = story.guardians("Maria")[0]
    story.consent(scope={"skola": ("case", "school")}, valid_until=JUNE)
    story.consent(scope={"skola": ("case", "school")}, valid_until=DECEMBER)
    story.consent(maria, {"skola": ("case", "school")}, valid_until=SEPTEMBER)
    assert _cells(story)["skola", "school"].until == SEPTEMBER


def test_guard_the_deadline_marker_tells_when_a_consent_ends_not_when_the_cover_does():
    """*Samtycke upphör …* beside the list's *Första samtycke upphör*: a consent's own end, the earlier one's, though
    the same person's later consent goes on covering the part — true of the consent, and what is to be renewed."""
    story = _adult()
    story.consent(scope={"skola": ("case", "school")}, valid_until=date(2026, 2, 20))
    story.consent(scope={"skola": ("case", "school")}, valid_until=DECEMBER)
    seen = disclosures_at(story.events, "socialtjanst", story.now, CATALOGUE)
    markers = deadlines.of_case(seen, True, story.now, story.now.date())
    assert [m.text for m in markers] == ["Samtycke upphör 2026-02-20"]
