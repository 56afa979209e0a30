"""Guard: the consent picture's *fyller 18 år* and the forms' ``turned_18`` (who may consent, whom the extract is
for) tell the same day, the 18th birthday in Sweden — one rule, ``consent_views.turns_18_on``."""

from __future__ import annotations

from datetime import date, datetime, timezone

from domain.disclosure import disclosures_at
from services.web import consent_views
from tests.builders import CATALOGUE, CaseStory

BIRTHDAY = date(2027, 3, 14)   # the builders' young person, born 2009-03-14


def _seen():
    story = CaseStory().accept().join("skola")
    return disclosures_at(story.events, "socialtjanst", story.now, CATALOGUE)


def test_guard_the_evening_before_the_birthday_in_sweden_both_say_under_18():
    seen, now = _seen(), datetime(2027, 3, 13, 22, 30, tzinfo=timezone.utc)   # 23:30 in Stockholm
    assert consent_views.picture(seen, CATALOGUE, now).turns_18 == BIRTHDAY
    assert not consent_views.turned_18(seen, now)


def test_guard_from_the_first_minute_of_the_birthday_in_sweden_both_say_18():
    seen, now = _seen(), datetime(2027, 3, 13, 23, 30, tzinfo=timezone.utc)   # 00:30 on the birthday in Stockholm
    assert consent_views.picture(seen, CATALOGUE, now).turns_18 is None
    assert consent_views.turned_18(seen, now)
