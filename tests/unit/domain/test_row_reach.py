"""A plan row's responsible agency that cannot see the row, as the disclosure rules' judge decides now, and why
(``domain.row_reach``): social services is told, so that no agency is left responsible for a row it never sees."""

from __future__ import annotations

from datetime import timedelta

import pytest

from domain.disclosure import Replay
from domain.group_commands import PlanRowDraft
from domain.row_reach import (
    CONSENT_MISSING, NO_CONSENT, NO_CUSTODY, NOT_A_MEMBER, UnseenRow, responsible_who_cannot_see,
)
from domain.values import YOUNG_PERSON
from tests.builders import CATALOGUE, SOCIAL, CaseStory

POLICE_SCOPE = {"polis": ("case", "crime", "school")}
LEISURE_ROW = PlanRowDraft(area="Fritid", goal="En aktivitet i veckan.", how="Fritidsgården.", responsible="Peter",
                           responsible_agencies=("polis",))
SCHOOL_ROW = PlanRowDraft(area="Skola", goal="Närvaro.", how="Mentorn.", responsible="Mentor",
                          responsible_agencies=("skola", "polis"))


@pytest.fixture
def story() -> CaseStory:
    s = CaseStory().accept()
    s.guardians("Maria", "Johan")
    s.join("skola", "polis")
    s.consent_all({**POLICE_SCOPE, "skola": ("case", "school")})
    return s


def _plan(story: CaseStory, *rows: PlanRowDraft) -> None:
    story.case.revise_plan(main_goal="Sluta med brott.", rows=list(rows), by=SOCIAL, at=story.at(),
                           catalogue=CATALOGUE)


def _unseen(story: CaseStory, at=None) -> tuple[UnseenRow, ...]:
    """What the lead is told at ``at`` (default: now) of the current plan's rows."""
    replay = Replay(story.events, CATALOGUE)
    replay.advance_to(at or story.now)
    revision = replay.case.plan_revision
    rows = [f for f in replay.facts if f.kind == "plan.row" and f.content["revision"] == revision]
    return responsible_who_cannot_see(replay.case, rows, at or story.now, CATALOGUE)


def test_the_police_named_on_a_leisure_row_its_consents_do_not_cover_cannot_see_it(story):
    _plan(story, SCHOOL_ROW, LEISURE_ROW)
    [unseen] = _unseen(story)
    assert (unseen.position, unseen.agency, unseen.place, unseen.category, unseen.reason) == (
        1, "polis", 0, "leisure", NO_CONSENT)
    assert unseen.row_id == list(story.case.plan_rows)[1]


def test_agencies_that_see_their_rows_are_not_named(story):
    _plan(story, SCHOOL_ROW)
    assert _unseen(story) == ()


def test_a_consent_granted_later_covering_the_category_ends_the_warning(story):
    _plan(story, LEISURE_ROW)
    assert [u.reason for u in _unseen(story)] == [NO_CONSENT]
    story.consent_all({"polis": ("leisure",)})
    assert _unseen(story) == ()


def test_a_guardians_consent_missing_names_that_guardian(story):
    _plan(story, LEISURE_ROW)
    mother, father = story.case.guardians
    story.consent(YOUNG_PERSON, {"polis": ("leisure",)})
    story.consent(mother, {"polis": ("leisure",)})
    [unseen] = _unseen(story)
    assert (unseen.reason, unseen.missing) == (CONSENT_MISSING, (father,))


def test_a_consent_withdrawn_later_brings_the_warning_in(story):
    ids = story.consent_all({"polis": ("leisure",)})
    _plan(story, LEISURE_ROW)
    assert _unseen(story) == ()
    story.withdraw(ids[0])
    assert [(u.reason, u.missing) for u in _unseen(story)] == [(CONSENT_MISSING, (YOUNG_PERSON,))]


def test_a_consent_that_ends_is_judged_at_the_moment_asked(story):
    later = story.now.date() + timedelta(days=10)
    story.consent_all({"polis": ("leisure",)}, valid_until=later)
    _plan(story, LEISURE_ROW)
    assert _unseen(story) == ()
    after = story.now + timedelta(days=12)
    assert [u.reason for u in _unseen(story, after)] == [NO_CONSENT]


def test_an_agency_that_left_the_group_is_named_as_no_longer_a_member(story):
    _plan(story, SCHOOL_ROW)
    story.case.remove_member(agency="polis", reason="Klart.", by=SOCIAL, at=story.at(), catalogue=CATALOGUE)
    assert [(u.agency, u.place, u.reason) for u in _unseen(story)] == [("polis", 1, NOT_A_MEMBER)]


def test_under_18_with_no_custody_recorded_nothing_is_disclosed_and_it_says_so():
    story = CaseStory().accept().join("polis")
    story.consent(YOUNG_PERSON, {"polis": ("case", "leisure")})
    _plan(story, LEISURE_ROW)
    assert [u.reason for u in _unseen(story)] == [NO_CUSTODY]


def test_a_closed_case_warns_of_nothing(story):
    _plan(story, LEISURE_ROW)
    story.case.close(reason="goals_met", outcome="Klart.", by=SOCIAL, at=story.at(), catalogue=CATALOGUE)
    assert _unseen(story) == ()
