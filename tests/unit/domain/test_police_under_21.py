"""OSL 10 kap. 18 a §: social services may tell the police about someone under 21 what is needed to stop them going on
with crime — without consent, when the caseworker cites it.  The catalogue's legal bases knew only "under 18"
(`under_18_only`), so the basis seed 004 asks for ("det krävs en förändring i sekretesslagen") could not be written."""

from __future__ import annotations

from datetime import timedelta

import pytest

from domain import errors
from domain.catalogue import Catalogue
from domain.disclosure import disclosures_at
from tests.builders import CATALOGUE, SCHOOL, SOCIAL, CaseStory, utc

BORN_2006_05_05 = "200605052380"   # 19 in 2026, 21 on 2027-05-05


def _nineteen_year_old_in_the_group() -> CaseStory:
    story = CaseStory(personnummer=BORN_2006_05_05, start=utc(2026, 2, 2), entry_route="known")
    story.accept()
    story.join("polis", "skola")
    return story


def _seen(story: CaseStory, agency: str, text: str, at=None) -> list:
    return [d for d in disclosures_at(story.events, agency, at or story.now, CATALOGUE)
            if d.fact.content.get("text") == text]


def test_a_fact_social_services_cites_it_for_reaches_the_police_without_consent_and_no_one_else():
    story = _nineteen_year_old_in_the_group()
    story.contribute(SOCIAL, "crime", "Rekryteras till ett nätverk.", legal_basis="osl10_18a")
    [told] = _seen(story, "polis", "Rekryteras till ett nätverk.")
    assert told.basis.kind == "law" and told.basis.legal_basis == "osl10_18a"
    assert not _seen(story, "skola", "Rekryteras till ett nätverk.")


def test_it_carries_nothing_from_the_21st_birthday_nor_of_another_category_nor_from_another_sender():
    story = _nineteen_year_old_in_the_group()
    story.at(utc(2027, 5, 5, 12))
    with pytest.raises(errors.LegalBasisNotApplicable, match="under 21"):
        story.contribute(SOCIAL, "crime", "Efter 21-årsdagen.", legal_basis="osl10_18a")
    story = _nineteen_year_old_in_the_group()
    with pytest.raises(errors.LegalBasisNotApplicable):
        story.contribute(SOCIAL, "school", "Skolfrånvaro.", legal_basis="osl10_18a")
    with pytest.raises(errors.LegalBasisNotApplicable):
        story.contribute(SCHOOL, "crime", "Skolan berättar.", legal_basis="osl10_18a")


def test_what_it_carried_stays_told_after_the_21st_birthday():
    story = _nineteen_year_old_in_the_group()
    story.contribute(SOCIAL, "crime", "Rekryteras till ett nätverk.", legal_basis="osl10_18a")
    assert _seen(story, "polis", "Rekryteras till ett nätverk.", at=utc(2027, 5, 5) + timedelta(days=30))


@pytest.mark.parametrize("written, limit", [({"under_18_only": True}, 18), ({"under_18_only": False}, None),
                                            ({}, 18), ({"under_age": 21}, 21)])
def test_a_catalogue_says_the_age_limit_as_before_or_in_years(written, limit):
    basis = {"id": "x", "name": "X", "recipient": "polis", "senders": ["socialtjanst"], "categories": ["crime"]}
    assert _catalogue({**basis, **written}).legal_bases["x"].under_age == limit


@pytest.mark.parametrize("bad", ["21", True, 0, 200])
def test_an_age_limit_that_is_no_age_is_refused_in_one_line(bad):
    basis = {"id": "x", "name": "X", "recipient": "polis", "senders": ["socialtjanst"], "categories": ["crime"],
             "under_age": bad}
    with pytest.raises(errors.InvalidInput, match="under_age must be an age in years"):
        _catalogue(basis)


def _catalogue(basis: dict) -> Catalogue:
    return Catalogue.from_mapping({"agencies": [{"id": "socialtjanst", "name": "S", "lead": True},
                                                {"id": "polis", "name": "P"}],
                                   "categories": [{"id": "case", "name": "C"}, {"id": "crime", "name": "B"}],
                                   "legal_bases": [basis]})
