"""Whom the consent form offers as the one giving a consent: the young person, and a guardian with custody only while
the young person is under 18 (DOMAIN.md: "from the 18th birthday the young person's own consent alone counts, and
consents given only by guardians no longer count"; the domain refuses a guardian's then).  The form offered the
guardians of a 19-year-old, and a caseworker who chose one was refused after filling in the whole form."""

from __future__ import annotations

from datetime import timedelta

from domain.disclosure import disclosures_at
from domain.values import YOUNG_PERSON
from services.web import consent_views
from tests.builders import BORN_2003_06_10, BORN_2009_03_14, CATALOGUE, CaseStory


def _offered(personnummer: str, later: timedelta = timedelta()) -> list[str]:
    story = CaseStory(personnummer=personnummer, entry_route="known", referring_agency="socialtjanst").accept()
    story.guardians("Maria", "Johan")
    now = story.now + later
    seen = disclosures_at(story.events, "socialtjanst", now, CATALOGUE)
    return [who for who, _ in consent_views.consenters_now(seen, now)]


def test_under_18_the_young_person_and_each_custodial_guardian_are_offered():
    offered = _offered(BORN_2009_03_14)
    assert offered[0] == YOUNG_PERSON and len(offered) == 3


def test_from_18_only_the_young_person_is_offered():
    assert _offered(BORN_2003_06_10) == [YOUNG_PERSON]
    assert _offered(BORN_2009_03_14, later=timedelta(days=420)) == [YOUNG_PERSON]   # 18 on 2027-03-14
