"""An agency's standing at an instant (``domain.standing``), on histories built with ``CaseStory``: what an auditor's
replay says beside the facts, and why it lists none."""

from __future__ import annotations

from datetime import date, timedelta

from domain import standing as s
from domain.disclosure import disclosures_at
from domain.values import YOUNG_PERSON
from tests.builders import CATALOGUE, SOCIAL, CaseStory, utc

POLICE_SCOPE = {"polis": ("case", "crime")}


def story_with_consents() -> tuple[CaseStory, dict[str, str], dict[str, str]]:
    """A 16-year-old, Maria and Johan with custody, each consenting to the police seeing `case` and `crime`; the
    police not yet in the group.  Returns the story, consenter → consent id, and name → guardian id."""
    story = CaseStory().accept()
    guardians = dict(zip(("Maria", "Johan"), story.guardians("Maria", "Johan")))
    ids = story.consent_all(POLICE_SCOPE)
    return story, dict(zip((YOUNG_PERSON, *guardians.values()), ids)), guardians


def standing(story: CaseStory, at) -> s.Standing:
    return s.standing_at(story.events, "polis", at, CATALOGUE)


def test_an_agency_that_joins_only_later_is_told_so_with_when():
    story, _, _ = story_with_consents()
    before = story.now
    joined = story.at(before + timedelta(days=1))
    story.join("polis", when=joined)
    said = standing(story, before)
    assert disclosures_at(story.events, "polis", before, CATALOGUE) == ()
    assert not said.member and said.joins_at == joined and said.since is None and not said.lead
    assert said.why_nothing() == s.NOT_YET_A_MEMBER
    # The consents were in force all the same: the auditor sees that membership, not consent, held it back.
    assert [c.consenter for c in said.consents] == [YOUNG_PERSON, *story.case.guardians]
    assert all(c.covered for c in said.covers)


def test_a_member_with_every_consent_needed_has_each_category_covered():
    story, ids, guardians = story_with_consents()
    story.join("polis")
    joined = story.now
    said = standing(story, story.at())
    assert said.member and said.since == joined and said.until is None
    assert said.under_18 and said.custodians == tuple(guardians.values())
    assert [(c.consenter, c.categories, c.counts) for c in said.consents] == [
        (consenter, ("case", "crime"), True) for consenter in ids]
    assert [(c.category, set(c.consent_ids)) for c in said.covers] == [
        ("case", set(ids.values())), ("crime", set(ids.values()))]
    assert said.why_nothing() == s.NOTHING_RECORDED


def test_a_guardians_withdrawal_leaves_the_category_uncovered_naming_her():
    story, ids, guardians = story_with_consents()
    story.join("polis")
    maria = guardians["Maria"]
    story.withdraw(ids[maria], consenter=maria)
    withdrawn = story.now
    said = standing(story, story.at())
    assert disclosures_at(story.events, "polis", story.now, CATALOGUE) == ()
    # The young person's and Johan's consents are in force, and count; nothing of theirs is covered without Maria's.
    assert [c.consenter for c in said.consents] == [YOUNG_PERSON, guardians["Johan"]]
    assert all(c.counts for c in said.consents)
    assert [(c.category, c.covered, c.missing) for c in said.covers] == [
        ("case", False, (maria,)), ("crime", False, (maria,))]
    assert said.covers[0].lapses == ((maria, (s.Lapse(ids[maria], s.WITHDRAWN, withdrawn),)),)
    assert said.why_nothing() == s.CONSENT_MISSING


def test_from_the_18th_birthday_the_guardians_consents_no_longer_count():
    story, ids, guardians = story_with_consents()   # born 2009-03-14: 18 on 2027-03-14
    story.join("polis")
    maria = guardians["Maria"]
    story.withdraw(ids[maria], consenter=maria)
    under = standing(story, utc(2027, 3, 13, 12))
    adult = standing(story, utc(2027, 3, 14, 12))
    assert under.under_18 and not under.covers[0].covered
    assert not adult.under_18 and adult.custodians == () and adult.eighteenth_birthday == date(2027, 3, 14)
    # Johan's consent is still in force but counts no more; the young person's alone covers both categories.
    assert [(c.consenter, c.counts) for c in adult.consents] == [(YOUNG_PERSON, True), (guardians["Johan"], False)]
    assert [(c.category, c.consent_ids) for c in adult.covers] == [
        ("case", (ids[YOUNG_PERSON],)), ("crime", (ids[YOUNG_PERSON],))]


def test_closure_ends_the_members_sight_and_says_so():
    story, _, _ = story_with_consents()
    story.join("polis")
    during = story.now
    story.case.close(reason="moved", outcome="Flyttade.", by=SOCIAL, at=story.at(), catalogue=CATALOGUE)
    closed = story.now
    before = standing(story, during)
    assert before.member and before.until == closed and before.until_closed
    after = standing(story, story.at())
    assert disclosures_at(story.events, "polis", story.now, CATALOGUE) == ()
    assert not after.member and after.closed_at == closed and after.why_nothing() == s.CASE_CLOSED


def test_an_agency_that_left_is_no_longer_a_member_and_one_never_in_the_group_is_told_so():
    story, _, _ = story_with_consents()
    story.join("polis")
    story.case.remove_member(agency="polis", reason="Klart för polisens del.", by=SOCIAL, at=story.at(),
                             catalogue=CATALOGUE)
    left = story.now
    said = standing(story, story.at())
    assert not said.member and said.left_at == left and said.why_nothing() == s.NO_LONGER_A_MEMBER
    never = s.standing_at(story.events, "sis", story.now, CATALOGUE)
    assert never.why_nothing() == s.NEVER_A_MEMBER and never.consents == () and never.covers == ()


def test_the_lead_is_said_to_be_the_lead_and_nothing_before_the_case():
    story, _, _ = story_with_consents()
    assert s.standing_at(story.events, "socialtjanst", story.now, CATALOGUE).lead
    assert s.standing_at(story.events, "polis", utc(2026, 1, 1), CATALOGUE) is None
