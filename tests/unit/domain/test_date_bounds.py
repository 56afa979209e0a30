"""Dates a command names lie where the case's story can put them: nothing of the young person's life before the
birth the personnummer tells, nothing of the group's work before social services received the referral.  The API,
the web, the command line and the importer all go through these commands (a red team's probes, 2026-12-05:
``referral_date`` 1970-01-01, a meeting, a protection and a consent of 1900-01-01 were all kept)."""

from __future__ import annotations

from datetime import date

import pytest

from domain import errors
from domain.values import YOUNG_PERSON, ScopeEntry
from services.web.error_texts import error_text
from tests.builders import CATALOGUE, SCHOOL, SOCIAL, CaseStory, referral, utc


@pytest.mark.parametrize("day", [date(1970, 1, 1), date(2009, 3, 13)])   # born 2009-03-14
def test_a_referral_dated_before_the_young_person_was_born_is_refused(day):
    with pytest.raises(errors.DateBeforeBirth) as raised:
        referral(referral_date=day)
    assert raised.value.field == "referral_date" and raised.value.code == "date_before_birth"
    assert "2009" not in str(raised.value)   # the birth date is the personnummer's: not said back
    assert error_text(raised.value.code, str(raised.value)) == "Datumet ligger före den unges födelse."


def test_a_referral_on_the_day_of_birth_stands():
    # Under 15: a case is possible with a reason (DOMAIN.md), and a referral of an infant is no date mistyped.
    assert referral(referral_date=date(2009, 3, 14), entry_route="known", referring_agency="skola",
                    summary_category="school").referral_date == date(2009, 3, 14)


def _meeting(story: CaseStory, held_on: date) -> None:
    story.case.record_meeting(held_on=held_on, attendees=("skola",), other_attendees=(), outcomes=(), decisions=(),
                              next_meeting=None, by=SOCIAL, at=story.at(), catalogue=CATALOGUE)


def _consent(story: CaseStory, valid_from: date) -> None:
    story.case.grant_consent(consenter=YOUNG_PERSON, scope=[ScopeEntry("skola", ("school",))], purpose="SIG",
                             valid_from=valid_from, valid_until=None, form="written", by=SOCIAL, at=story.at(),
                             catalogue=CATALOGUE)


def _protection(story: CaseStory, since: date) -> None:
    story.case.record_protection(protected=True, kind="sekretessmarkering", since=since, by=SOCIAL, at=story.at(),
                                 catalogue=CATALOGUE)


@pytest.mark.parametrize("command, field, error", [
    (_meeting, "held_on", errors.DateBeforeReferral), (_consent, "valid_from", errors.DateBeforeReferral)])
def test_the_group_s_work_is_not_dated_before_the_referral(command, field, error):
    story = CaseStory(start=utc(2026, 2, 2)).accept()   # referral_date 2026-02-02
    story.join("skola")
    before = len(story.events)
    for day in (date(1900, 1, 1), date(2026, 2, 1)):
        with pytest.raises(error) as raised:
            command(story, day)
        assert raised.value.field == field and "2026-02-02" not in str(raised.value) and str(day) not in str(
            raised.value)
    assert len(story.events) == before
    assert error_text("date_before_referral", "") == "Datumet ligger före datumet för aktualiseringen."
    command(story, date(2026, 2, 2))   # on the referral's day it stands
    assert len(story.events) == before + 1


def test_a_protection_may_be_older_than_the_case_but_not_than_the_young_person():
    story = CaseStory(start=utc(2026, 2, 2))
    for day in (date(1900, 1, 1), date(2009, 3, 13)):
        with pytest.raises(errors.DateBeforeBirth) as raised:
            _protection(story, day)
        assert raised.value.field == "since"
    _protection(story, date(2015, 6, 1))   # Skatteverket marked it years before the referral
    assert story.case.protection.since == date(2015, 6, 1)


def test_a_member_s_meeting_is_not_held_to_the_referral_date_it_may_not_see():
    """The referral date is the referral fact's: a member whose consent does not cover the referral's category does
    not see it, and a bound on its meetings told it the date (a red team: said in the refusal, and by bisection
    through which refusal came, date_before_referral or next_meeting's).  Only the lead's meetings are held to it."""
    story = CaseStory(start=utc(2026, 2, 2)).accept()   # referral_date 2026-02-02
    story.join("skola")
    before = len(story.events)
    story.case.record_meeting(held_on=date(2026, 1, 10), attendees=("skola",), other_attendees=(), outcomes=(),
                              decisions=(), next_meeting=None, by=SCHOOL,
                              at=story.at(), catalogue=CATALOGUE)
    assert len(story.events) == before + 1
